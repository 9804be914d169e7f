// The sandbox child: runs the parent's plan between clone() and execve().
//
// Why each piece is C (see also contain_child.h): this code runs in the child of a clone() taken from a
// multi-threaded Swift process. Until execve only async-signal-safe calls are allowed: any lock another
// thread held at clone time (malloc, stdio, the Swift runtime's metadata caches) is held forever here.
//  - contain_spawn_waiting: the raw clone(2) syscall (not glibc fork: no atfork handlers, which may take
//    locks) with CLONE_PIDFD, so the parent gets a race-free handle on pid 1 of the sandbox; the child
//    then waits for its plan (plan_wire.c). contain_early_spawn runs it from a constructor, before main.
//  - run_plan / run_steps / run_step: the step interpreter; only syscalls on memory the parent laid out
//    before clone.
//  - mkdir_p, make_file: path walking with a stack buffer, because there is no allocator to use.
//  - init_loop: pid 1 of the new pid namespace; a signal handler (forward_signal) must be plain C.
//  - landlock_*, drop_caps, install_seccomp: raw syscalls whose structures Swift cannot build without
//    allocating, and which must run in the process that is about to execve.
// Failures are reported as {step, errno} on the report pipe and end with _exit; nothing here returns.

#define _GNU_SOURCE
#include "contain_child.h"
#include "plan_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <limits.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

// Landlock: defined here, not taken from <linux/landlock.h>, because the build host's headers may
// predate the ABI the running kernel offers (the parent negotiates; sizes grow compatibly).
struct contain_ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};
struct contain_ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));
struct contain_ll_net_port_attr {
    uint64_t allowed_access;
    uint64_t port;
};
#define CONTAIN_LL_RULE_PATH_BENEATH 1
#define CONTAIN_LL_RULE_NET_PORT 2
// Rights that make sense on a non-directory (EXECUTE, WRITE_FILE, READ_FILE, TRUNCATE, IOCTL_DEV).
#define CONTAIN_LL_FILE_RIGHTS ((1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 14) | (1ULL << 15))

struct contain_mount_attr {
    uint64_t attr_set;
    uint64_t attr_clr;
    uint64_t propagation;
    uint64_t userns_fd;
};

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif

static const struct contain_plan *g_plan;
// Detached mount trees between OPEN_TREE and MOVE_MOUNT; static storage, since nothing may be allocated.
static int g_trees[CONTAIN_MAX_TREES];
static int g_ruleset_fd = -1;
// The seccomp program as received from the parent (CONTAIN_OP_RECEIVE_SECCOMP); 32 KiB of static storage.
static struct sock_filter g_filter[CONTAIN_MAX_FILTER];
static uint16_t g_filter_len;
static uint32_t g_filter_flags;
static volatile sig_atomic_t g_server_pid;
// A signal the supervisor forwarded before the server existed; delivered to it once it does.
static volatile sig_atomic_t g_pending_sig;

static void write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue; // EINTR: retry; anything else: the parent is gone, nothing to tell.
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static _Noreturn void fail(size_t step, int err) {
    struct contain_report r = { (int32_t)step, (int32_t)err };
    write_all(g_plan->report_fd, &r, sizeof r);
    _exit(125);
}

static size_t cstrlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

// mkdir -p with a stack copy; EEXIST on any component is fine (the bind target may already exist in a
// read-only parent bind, where mkdir would otherwise fail with EROFS: we test existence first).
static int mkdir_p(const char *path, mode_t mode, int skip_last) {
    char buf[PATH_MAX];
    size_t len = cstrlen(path);
    if (len == 0 || len >= sizeof buf) return ENAMETOOLONG;
    memcpy(buf, path, len + 1);
    size_t end = len;
    if (skip_last) {
        while (end > 0 && buf[end - 1] != '/') end--;
        if (end <= 1) return 0;
        end--;
        buf[end] = 0;
    }
    for (size_t i = 1; i <= end; i++) {
        if (buf[i] != '/' && buf[i] != 0) continue;
        char saved = buf[i];
        buf[i] = 0;
        struct stat st;
        if (lstat(buf, &st) != 0) {
            if (errno != ENOENT) return errno;
            if (mkdir(buf, mode) != 0 && errno != EEXIST) return errno;
        } else if (!S_ISDIR(st.st_mode)) {
            // A symlink in a view directory we built ourselves is followed (e.g. /lib -> usr/lib).
            if (!S_ISLNK(st.st_mode)) return ENOTDIR;
        }
        buf[i] = saved;
    }
    return 0;
}

static int make_file(const char *path) {
    int err = mkdir_p(path, 0755, 1);
    if (err) return err;
    struct stat st;
    if (lstat(path, &st) == 0) return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
    if (fd < 0) return errno == EEXIST ? 0 : errno;
    close(fd);
    return 0;
}

// SIGINT, SIGTERM and SIGHUP: the signals contain forwards to the server (supervisor, init and fork_init
// all block or unblock exactly this set).
static void forwarded_signals(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

static void forward_signal(int sig) {
    int saved = errno;
    pid_t p = g_server_pid;
    if (p <= 0) g_pending_sig = sig;
    else if (kill(-p, sig) != 0) kill(p, sig); // before setsid the server has no group of its own
    errno = saved;
}

// pid 1 of the sandbox. When it exits the kernel kills everything left in the pid namespace.
static _Noreturn void init_loop(pid_t server) {
    int status_fd = g_plan->status_fd;
    if (status_fd > 0) syscall(SYS_close_range, 0U, (unsigned)status_fd - 1, 0U);
    syscall(SYS_close_range, (unsigned)status_fd + 1, ~0U, 0U);
    g_server_pid = server;
    if (g_pending_sig) forward_signal(g_pending_sig); // still blocked here: no second copy can race in
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (;;) {
        int st = 0;
        pid_t w = waitpid(-1, &st, 0);
        if (w < 0) {
            if (errno == EINTR) continue; // a forwarded signal interrupted the wait: keep reaping
            _exit(125);                   // ECHILD without having seen the server: cannot happen
        }
        if (w == server) {
            int32_t raw = st;
            write_all(status_fd, &raw, sizeof raw);
            _exit(0);
        }
    }
}

// Installed first thing in the sandbox child: as pid 1 of its namespace it ignores every signal it has
// no handler for, so a SIGTERM the supervisor forwards during setup would otherwise be lost.
static void install_forwarding(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward_signal;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigset_t fwd;
    forwarded_signals(&fwd);
    sigprocmask(SIG_UNBLOCK, &fwd, NULL);
}

static _Noreturn void run_steps(size_t first);

// The server's stack while it shares the init's memory (CLONE_VM, until its execve): static, since
// nothing may be allocated; only the pages it touches are ever made real.
static char g_server_stack[256 * 1024] __attribute__((aligned(64)));
static size_t g_server_first_step;

// The server, from the step after FORK_INIT to execve. It runs in the init's address space while the
// init is suspended by CLONE_VFORK, so it may write the step globals (the init never reads them again)
// but never returns into the init's stack frames.
static int server_main(void *unused) {
    (void)unused;
    // Default dispositions and an empty mask (both survive execve otherwise; the supervisor may ignore
    // SIGPIPE or block signals it handles itself). The handler table is the server's own (no CLONE_SIGHAND).
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        sigaction(s, &dfl, NULL); // EINVAL for the few reserved real-time signals: ignored
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (g_plan->status_fd >= 0) close(g_plan->status_fd);
    run_steps(g_server_first_step);
}

// vfork-style: no copy of the (large, copy-on-write) address space the init inherited from contain, and
// no page faults to undo the sharing; the init sleeps until the server has exec'd or died, then reaps it.
static _Noreturn void fork_init(size_t i) {
    // Block the forwarded signals across the fork so none is lost between fork and recording the pid.
    sigset_t fwd;
    forwarded_signals(&fwd);
    sigprocmask(SIG_BLOCK, &fwd, NULL);
    g_server_first_step = i + 1;
    int pid = clone(server_main, g_server_stack + sizeof g_server_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    if (pid < 0) fail(i, errno);
    init_loop((pid_t)pid);
}

static int loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int err = 0;
    if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) err = errno;
    else {
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) err = errno;
    }
    close(s);
    return err;
}

// CONTAIN_OP_NETNS_START / _JOIN. The helper shares this process's memory (CLONE_VM: no copy of the large
// address space inherited from contain, which measured ~0.5 ms as a fork) and descriptor table
// (CLONE_FILES: the namespace fd it opens is valid here), runs on its own static stack with every signal
// blocked, and makes raw syscalls only: a libc wrapper would write errno, which lives in this thread's TLS
// and would race with the steps running meanwhile. It reaches its namespace file through a descriptor of
// the host's /proc opened before it starts: it shares the mount namespace, so the pivot_root this process
// does meanwhile moves the helper's root as well, and a path from "/" would race with it.
#if defined(__x86_64__)
static long raw_syscall(long n, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}
#define CONTAIN_HAVE_RAW_SYSCALL 1
#elif defined(__aarch64__)
static long raw_syscall(long n, long a, long b, long c) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}
#define CONTAIN_HAVE_RAW_SYSCALL 1
#endif

static pid_t g_netns_helper = -1;
static int g_netns_pipe[2] = { -1, -1 };
static int g_netns_proc = -1;

#ifdef CONTAIN_HAVE_RAW_SYSCALL
static char g_netns_stack[64 * 1024] __attribute__((aligned(64)));

static int netns_helper(void *unused) {
    (void)unused;
    int32_t msg[2] = { 0, -1 };
    long r = raw_syscall(SYS_unshare, CLONE_NEWNET, 0, 0);
    if (r < 0) msg[0] = (int32_t)-r;
    if (msg[0] == 0) {
        long s = raw_syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0) msg[0] = (int32_t)-s;
        else {
            struct ifreq ifr;
            memset(&ifr, 0, sizeof ifr);
            memcpy(ifr.ifr_name, "lo", 3);
            r = raw_syscall(SYS_ioctl, s, SIOCGIFFLAGS, (long)&ifr);
            if (r == 0) {
                ifr.ifr_flags |= IFF_UP;
                r = raw_syscall(SYS_ioctl, s, SIOCSIFFLAGS, (long)&ifr);
            }
            if (r < 0) msg[0] = (int32_t)-r;
            raw_syscall(SYS_close, s, 0, 0);
        }
    }
    if (msg[0] == 0) {
        // openat's fourth argument (mode) is not read without O_CREAT.
        r = raw_syscall(SYS_openat, g_netns_proc, (long)"self/ns/net", O_RDONLY | O_CLOEXEC);
        if (r < 0) msg[0] = (int32_t)-r;
        else msg[1] = (int32_t)r;
    }
    const char *p = (const char *)msg;
    size_t left = sizeof msg;
    while (left > 0) {
        r = raw_syscall(SYS_write, g_netns_pipe[1], (long)p, (long)left);
        if (r == -EINTR) continue;
        if (r <= 0) break;
        p += r;
        left -= (size_t)r;
    }
    return 0; // clone()'s trampoline makes the exit syscall
}
#endif

static int netns_start(void) {
    if (g_netns_helper > 0) return 0; // started while the child waited for its plan (await_plan)
#ifndef CONTAIN_HAVE_RAW_SYSCALL
    return ENOSYS; // x86_64 and arm64 only: the helper needs raw syscalls (see above)
#else
    g_netns_proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (g_netns_proc < 0) return errno;
    if (pipe2(g_netns_pipe, O_CLOEXEC) != 0) {
        int err = errno;
        close(g_netns_proc);
        return err;
    }
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old); // inherited by the helper, which never unblocks
    int r = clone(netns_helper, g_netns_stack + sizeof g_netns_stack, CLONE_VM | CLONE_FILES | SIGCHLD, NULL);
    int err = r < 0 ? errno : 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (r < 0) {
        close(g_netns_pipe[0]);
        close(g_netns_pipe[1]);
        close(g_netns_proc);
        return err;
    }
    g_netns_helper = (pid_t)r;
    return 0;
#endif
}

static int read_exact(int fd, void *buf, size_t len);

// Waits for the helper and takes its message: 0 and the namespace fd in *ns_fd, or its errno.
static int netns_collect(int *ns_fd) {
    *ns_fd = -1;
    if (g_netns_helper <= 0) return ECHILD; // a plan with JOIN but no START: a parent bug
    // Reap first: once the helper is gone its message is in the pipe or never will be, and the write end
    // (one entry in the shared table) can be closed so that a helper that died silently reads as EOF.
    int st;
    while (waitpid(g_netns_helper, &st, __WALL) < 0 && errno == EINTR) {}
    g_netns_helper = -1;
    close(g_netns_pipe[1]);
    close(g_netns_proc);
    int32_t msg[2] = { 0, -1 };
    int err = read_exact(g_netns_pipe[0], msg, sizeof msg); // EOF: EPIPE
    close(g_netns_pipe[0]);
    if (err != 0) return err;
    if (msg[0] != 0) {
        if (msg[1] >= 0) close(msg[1]);
        return msg[0];
    }
    *ns_fd = msg[1];
    return 0;
}

static int netns_join(void) {
    int ns;
    int err = netns_collect(&ns);
    if (err) return err;
    err = setns(ns, CLONE_NEWNET) == 0 ? 0 : errno;
    close(ns);
    return err;
}

// A plan without a network namespace (network: host) got one started anyway (await_plan): wait for the
// helper and drop it. The namespace goes with its last descriptor.
static void netns_discard(void) {
    if (g_netns_helper <= 0) return;
    int ns;
    if (netns_collect(&ns) == 0) close(ns);
}

static int drop_caps(uint64_t last_cap) {
    for (uint64_t c = 0; c <= last_cap; c++) {
        if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) != 0 && errno != EINVAL) return errno;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return errno;
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) != 0) return errno;
    return 0;
}

// Reads exactly `len` bytes. EINTR: retry. EOF before `len`: EPIPE (the parent closed its end without
// sending everything: it failed or died).
static int read_exact(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return EPIPE;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int receive_seccomp(void) {
    int fd = g_plan->filter_fd;
    if (fd < 0) return EBADF;
    struct contain_filter_header h;
    int err = read_exact(fd, &h, sizeof h);
    // Unknown flag bits or a non-zero reserved word mean a parent speaking another version of this
    // header: refuse rather than install a filter with an option read differently.
    if (err == 0 && (h.magic != CONTAIN_FILTER_MAGIC || h.instructions == 0 || h.instructions > CONTAIN_MAX_FILTER ||
                     (h.flags & ~CONTAIN_FILTER_WANT_LISTENER) != 0 || h.reserved != 0))
        err = EPROTO;
    if (err == 0) err = read_exact(fd, g_filter, (size_t)h.instructions * sizeof(struct sock_filter));
    close(fd);
    if (err) return err;
    g_filter_len = (uint16_t)h.instructions;
    g_filter_flags = h.flags;
    return 0;
}

static int install_seccomp(size_t i) {
    if (g_filter_len == 0) return ENODATA; // nothing received: never run without the filter
    struct sock_fprog prog = { g_filter_len, g_filter };
    int want_listener = (g_filter_flags & CONTAIN_FILTER_WANT_LISTENER) != 0;
    unsigned long flags = want_listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (r < 0) return errno;
    if (!want_listener) return 0;
    // From here only write, read, close and execve may run: the filter's compiler always allows them.
    struct contain_report rec = { CONTAIN_REPORT_LISTENER, (int32_t)r };
    write_all(g_plan->report_fd, &rec, sizeof rec);
    char ack = 0;
    for (;;) {
        ssize_t n = read(g_plan->ack_fd, &ack, 1);
        if (n == 1) break;
        if (n < 0 && errno == EINTR) continue;
        fail(i, n == 0 ? EPIPE : errno); // the supervisor did not take the listener: never run unreported
    }
    close((int)r);
    close(g_plan->ack_fd);
    return 0;
}

static int landlock_path(const struct contain_step *s) {
    int fd = open(s->path, O_PATH | O_CLOEXEC);
    if (fd < 0) return errno;
    struct stat st;
    uint64_t allowed = s->arg;
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) allowed &= CONTAIN_LL_FILE_RIGHTS;
    struct contain_ll_path_beneath_attr a = { allowed, fd };
    long r = syscall(SYS_landlock_add_rule, g_ruleset_fd, CONTAIN_LL_RULE_PATH_BENEATH, &a, 0U);
    int err = r < 0 ? errno : 0;
    close(fd);
    return err;
}

static int run_step(size_t i, const struct contain_step *s) {
    switch (s->op) {
    case CONTAIN_OP_PDEATHSIG:
        return prctl(PR_SET_PDEATHSIG, (unsigned long)s->arg, 0, 0, 0) == 0 ? 0 : errno;
    case CONTAIN_OP_WAIT_PARENT: {
        char b;
        for (;;) {
            ssize_t n = read(g_plan->sync_fd, &b, 1);
            if (n == 1) break;
            if (n < 0 && errno == EINTR) continue;
            _exit(125); // EOF: the supervisor died or gave up before writing the id maps
        }
        return 0;
    }
    case CONTAIN_OP_WRITE_FILE: {
        int fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, (mode_t)s->arg);
        if (fd < 0) return errno;
        const char *d = s->data ? s->data : "";
        size_t len = cstrlen(d);
        while (len > 0) {
            ssize_t n = write(fd, d, len);
            if (n < 0) {
                if (errno == EINTR) continue;
                int err = errno;
                close(fd);
                return err;
            }
            d += n;
            len -= (size_t)n;
        }
        close(fd);
        return 0;
    }
    case CONTAIN_OP_OPEN_TREE: {
        if (s->arg >= CONTAIN_MAX_TREES) return EINVAL;
        g_trees[s->arg] = -1;
        long fd = syscall(SYS_open_tree, AT_FDCWD, s->src, (unsigned)(OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE));
        if (fd < 0) return errno;
        g_trees[s->arg] = (int)fd;
        return 0;
    }
    case CONTAIN_OP_ADOPT_TREE:
        if (s->arg >= CONTAIN_MAX_TREES) return EINVAL;
        if (fcntl((int)s->arg2, F_GETFD) < 0) return errno; // EBADF: the supervisor's tree did not reach us
        g_trees[s->arg] = (int)s->arg2;
        return 0;
    case CONTAIN_OP_MOVE_MOUNT: {
        if (s->arg >= CONTAIN_MAX_TREES) return EINVAL;
        int fd = g_trees[s->arg];
        if (fd < 0) return ENOENT; // the source was optional and missing
        long r = syscall(SYS_move_mount, fd, "", AT_FDCWD, s->path, (unsigned)MOVE_MOUNT_F_EMPTY_PATH);
        int err = r == 0 ? 0 : errno;
        close(fd);
        g_trees[s->arg] = -1;
        return err;
    }
    case CONTAIN_OP_CHECK_PARENT: {
        struct pollfd pfd = { g_plan->sync_fd, POLLIN, 0 };
        for (;;) {
            int n = poll(&pfd, 1, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return errno;
            break;
        }
        if (pfd.revents & (POLLHUP | POLLERR)) _exit(125); // the supervisor is gone: never run unsupervised
        return 0;
    }
    // Raw syscalls, not glibc's wrappers: those apply the change to every thread glibc knows of
    // (__nptl_setxid), and this child inherited the parent's thread list without its threads. A thread
    // the parent was creating at clone time is waited for forever (seen with the compile thread).
    // The child is single-threaded, so the per-thread syscall is the whole process.
    case CONTAIN_OP_SETRESGID:
        return syscall(SYS_setresgid, (gid_t)s->arg, (gid_t)s->arg, (gid_t)s->arg) == 0 ? 0 : errno;
    case CONTAIN_OP_SETRESUID:
        return syscall(SYS_setresuid, (uid_t)s->arg, (uid_t)s->arg, (uid_t)s->arg) == 0 ? 0 : errno;
    case CONTAIN_OP_SETGROUPS_EMPTY:
        return syscall(SYS_setgroups, 0, NULL) == 0 ? 0 : errno;
    case CONTAIN_OP_MOUNT:
        return mount(s->src, s->path, s->fstype, s->mflags, s->data) == 0 ? 0 : errno;
    case CONTAIN_OP_MOUNT_SETATTR: {
        struct contain_mount_attr a = { s->arg, 0, 0, 0 };
        long r = syscall(SYS_mount_setattr, AT_FDCWD, s->path, s->arg2 ? AT_RECURSIVE : 0U, &a, sizeof a);
        return r == 0 ? 0 : errno;
    }
    case CONTAIN_OP_MKDIR_P:
        return mkdir_p(s->path, (mode_t)s->arg, 0);
    case CONTAIN_OP_MKFILE_P:
        return make_file(s->path);
    case CONTAIN_OP_SYMLINK: {
        int err = mkdir_p(s->path, 0755, 1);
        if (err) return err;
        return symlink(s->src, s->path) == 0 || errno == EEXIST ? 0 : errno;
    }
    case CONTAIN_OP_CHMOD:
        return chmod(s->path, (mode_t)s->arg) == 0 ? 0 : errno;
    case CONTAIN_OP_CHDIR:
        return chdir(s->path) == 0 ? 0 : errno;
    case CONTAIN_OP_PIVOT_ROOT:
        return syscall(SYS_pivot_root, s->src, s->path) == 0 ? 0 : errno;
    case CONTAIN_OP_UMOUNT:
        return umount2(s->path, (int)s->arg) == 0 ? 0 : errno;
    case CONTAIN_OP_NETNS_START:
        return netns_start();
    case CONTAIN_OP_NETNS_JOIN:
        return netns_join();
    case CONTAIN_OP_SETHOSTNAME:
        return sethostname(s->src, cstrlen(s->src)) == 0 ? 0 : errno;
    case CONTAIN_OP_FORK_INIT:
        fork_init(i); // the init never comes back; the server continues in server_main
    case CONTAIN_OP_SETSID:
        return setsid() >= 0 ? 0 : errno;
    case CONTAIN_OP_SETRLIMIT: {
        struct rlimit rl = { (rlim_t)s->arg2, (rlim_t)s->arg2 };
        return setrlimit((int)s->arg, &rl) == 0 ? 0 : errno;
    }
    case CONTAIN_OP_DUP2:
        return dup2((int)s->arg, (int)s->arg2) >= 0 ? 0 : errno;
    case CONTAIN_OP_CLOEXEC_FROM_3:
        return syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0 ? 0 : errno;
    case CONTAIN_OP_NO_NEW_PRIVS:
        return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : errno;
    case CONTAIN_OP_LANDLOCK_CREATE: {
        struct contain_ll_ruleset_attr a = { s->arg, s->arg2, (uint64_t)s->mflags };
        long fd = syscall(SYS_landlock_create_ruleset, &a, sizeof a, 0U);
        if (fd < 0) return errno;
        g_ruleset_fd = (int)fd;
        return 0;
    }
    case CONTAIN_OP_LANDLOCK_PATH:
        return landlock_path(s);
    case CONTAIN_OP_LANDLOCK_PORT: {
        struct contain_ll_net_port_attr a = { s->arg, s->arg2 };
        return syscall(SYS_landlock_add_rule, g_ruleset_fd, CONTAIN_LL_RULE_NET_PORT, &a, 0U) == 0 ? 0 : errno;
    }
    case CONTAIN_OP_LANDLOCK_ENFORCE: {
        long r = syscall(SYS_landlock_restrict_self, g_ruleset_fd, 0U);
        int err = r == 0 ? 0 : errno;
        close(g_ruleset_fd);
        g_ruleset_fd = -1;
        return err;
    }
    case CONTAIN_OP_SECUREBITS:
        return prctl(PR_SET_SECUREBITS, (unsigned long)s->arg, 0, 0, 0) == 0 ? 0 : errno;
    case CONTAIN_OP_DROP_CAPS:
        return drop_caps(s->arg);
    case CONTAIN_OP_RECEIVE_SECCOMP:
        return receive_seccomp();
    case CONTAIN_OP_SECCOMP:
        return install_seccomp(i);
    case CONTAIN_OP_EXEC:
        execve(g_plan->exec_path, g_plan->argv, g_plan->envp);
        return errno;
    case CONTAIN_OP_UNSHARE:
        return unshare((int)s->arg) == 0 ? 0 : errno;
    default:
        return EINVAL;
    }
}

static _Noreturn void run_steps(size_t first) {
    const struct contain_plan *plan = g_plan;
    for (size_t i = first; i < plan->nsteps; i++) {
        const struct contain_step *s = &plan->steps[i];
        int err = run_step(i, s);
        if (err == 0) continue;
        if ((s->flags & CONTAIN_STEP_OPTIONAL) && (err == ENOENT || err == ENOTDIR)) continue;
        fail(i, err);
    }
    fail(plan->nsteps, ENOEXEC); // a plan without an EXEC step is a parent bug; never run unconfined
}

static _Noreturn void run_plan(const struct contain_plan *plan) {
    g_plan = plan;
    for (int k = 0; k < CONTAIN_MAX_TREES; k++) g_trees[k] = -1;
    // Out of contain's process group: a terminal's ^C reaches contain, which forwards it once; the
    // sandbox must not get a second copy straight from the tty.
    setpgid(0, 0);
    install_forwarding();
    int wants_netns = 0;
    for (size_t i = 0; i < plan->nsteps; i++) wants_netns |= plan->steps[i].op == CONTAIN_OP_NETNS_START;
    if (!wants_netns) netns_discard();
    run_steps(0);
}

// The sandbox child before its plan: it exists before the supervisor has read the profile. It holds only
// what it inherited at clone time; the plan brings the descriptors it needs.
static _Noreturn void await_plan(int plan_fd) {
    // Before anything else: if the supervisor dies from here on, so does this child (and recvmsg below
    // sees EOF if it died before this line).
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    // An ignored SIGCHLD survives execve: a caller that ignores it would make the kernel reap this
    // process's children (the network helper, later the server) before it can wait for them, and the
    // server's exit status would be lost. Default, as the init needs it.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &dfl, NULL);
    // Most profiles want a network namespace, the most expensive one to make (~1 ms of kernel time):
    // started now, it is ready long before the plan arrives. A failure here is left for the plan's
    // NETNS_START (which tries again) or NETNS_JOIN (which reports the helper's error) to report.
    netns_start();
    const struct contain_plan *plan = NULL;
    int report_fd = -1;
    int err = contain_wire_receive(plan_fd, &plan, &report_fd);
    close(plan_fd);
    if (err) {
        // EPIPE without descriptors: the supervisor gave up before launching, there is no one to tell.
        if (report_fd >= 0) {
            struct contain_report r = { CONTAIN_REPORT_BAD_PLAN, (int32_t)err };
            write_all(report_fd, &r, sizeof r);
        }
        _exit(125);
    }
    run_plan(plan);
}

static volatile sig_atomic_t g_forward_target;

static void supervisor_forward(int sig) {
    int saved = errno;
    pid_t p = g_forward_target;
    if (p > 0) kill(p, sig);
    errno = saved;
}

void contain_forward_signals(pid_t target) {
    g_forward_target = target;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = supervisor_forward;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    // A blocked signal mask survives execve: a caller that blocked these would keep them from ever
    // reaching the handler. Unblocked here, one that arrived while blocked is delivered now.
    sigset_t fwd;
    forwarded_signals(&fwd);
    pthread_sigmask(SIG_UNBLOCK, &fwd, NULL);
}

int contain_spawn_waiting(struct contain_waiting_child *out) {
    out->pid = -1;
    out->pidfd = -1;
    out->plan_fd = -1;
    out->err = 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return out->err = errno;
    int pidfd = -1;
    unsigned long flags = CONTAIN_CLONE_NAMESPACES | CLONE_PIDFD | SIGCHLD;
    // Raw clone without CLONE_VM: fork semantics (copy-on-write), so the child runs on its own copy
    // of this stack. The pidfd lands in `pidfd` (the parent_tid argument) in the parent only.
    long r = syscall(SYS_clone, flags, 0UL, &pidfd, 0UL, 0UL);
    if (r == 0) {
        close(sv[0]); // else the supervisor's death would not close the socket: no EOF to see
        await_plan(sv[1]);
    }
    int err = errno;
    close(sv[1]);
    if (r < 0) {
        close(sv[0]);
        return out->err = err;
    }
    out->pid = (pid_t)r;
    out->pidfd = pidfd;
    out->plan_fd = sv[0];
    return 0;
}

static struct contain_waiting_child g_early = { -1, -1, -1, 0 };

void contain_early_spawn(void) {
    // An ignored SIGCHLD survives execve: contain could then not wait for the sandbox's init (the kernel
    // reaps it), and the child would inherit it too (await_plan resets it again for children spawned
    // elsewhere).
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &dfl, NULL);
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int n = open("/dev/null", O_RDWR);
            if (n >= 0 && n != fd) close(n); // only the lowest free number can come back: cannot happen
        }
    }
    contain_spawn_waiting(&g_early);
}

struct contain_waiting_child contain_take_early_child(void) {
    struct contain_waiting_child c = g_early;
    g_early.pid = -1;
    g_early.pidfd = -1;
    g_early.plan_fd = -1;
    g_early.err = 0;
    return c;
}
