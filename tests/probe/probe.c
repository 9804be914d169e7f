// The escape probe: run inside `contain run`, it attempts each attack the environment wall must stop
// and prints one line per attempt:
//
//     NAME: blocked (ERRNO)        the attempt failed, as it must
//     ESCAPED lines                NAME: ESCAPED (what happened)
//
// The test (tests/integration/test_environment_wall.py) asserts that every expected NAME is present
// and blocked. Arguments name things outside the sandbox the attacker would go for:
//   --secret PATH       a file outside the allowlist holding a secret
//   --outside-pid PID   a process outside the sandbox (a sleeper the test started)
//   --suid PATH         a setuid-root copy of this probe, inside the workspace
//   --ws DIR            the workspace (writable)
// `--child-caps` is the mode the setuid copy runs in: it prints "euid capeff" and exits.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

static const char *secret_path = "/nonexistent-secret";
static pid_t outside_pid = -1;
static const char *suid_path = NULL;
static const char *ws = "/tmp";

static void blocked(const char *name, int err) { printf("%s: blocked (%s)\n", name, strerrorname_np(err) ? strerrorname_np(err) : "?"); }
static void escaped(const char *name, const char *what) { printf("%s: ESCAPED (%s)\n", name, what); }
// r < 0: the attempt failed with errno (blocked); otherwise it worked.
static void verdict(const char *name, long r, const char *what) {
    if (r < 0) blocked(name, errno);
    else escaped(name, what);
}

static void try_read_secret(void) {
    int fd = open(secret_path, O_RDONLY);
    verdict("read_secret", fd, "opened the secret file");
    if (fd >= 0) close(fd);
    fd = open("/etc/shadow", O_RDONLY);
    verdict("read_shadow", fd, "opened /etc/shadow");
    if (fd >= 0) close(fd);
}

static void try_write_outside(void) {
    char p[4096];
    snprintf(p, sizeof p, "%s.planted", secret_path);
    int fd = open(p, O_WRONLY | O_CREAT, 0644);
    verdict("write_outside", fd, "created a file next to the secret");
    if (fd >= 0) close(fd);
    fd = open("/etc/contain-planted", O_WRONLY | O_CREAT, 0644);
    verdict("write_etc", fd, "created /etc/contain-planted");
    if (fd >= 0) close(fd);
    verdict("rename_outside", rename("/etc/hostname", "/etc/hostname.moved"), "renamed /etc/hostname");
    verdict("delete_outside", unlink("/etc/hostname"), "deleted /etc/hostname");
    char l[4096];
    snprintf(l, sizeof l, "%s/passwd-link", ws);
    verdict("hardlink_outside", link("/etc/passwd", l), "hard-linked /etc/passwd into the workspace");
    snprintf(l, sizeof l, "%s/secret-link", ws);
    verdict("hardlink_secret", link(secret_path, l), "hard-linked the secret into the workspace");
}

static void try_symlink_escape(void) {
    char l[4096];
    snprintf(l, sizeof l, "%s/escape-link", ws);
    unlink(l);
    if (symlink(secret_path, l) != 0) { blocked("symlink_escape", errno); return; }
    int fd = open(l, O_RDONLY);
    verdict("symlink_escape", fd, "read the secret through a symlink");
    if (fd >= 0) close(fd);
    unlink(l);
    snprintf(l, sizeof l, "%s/root-link", ws);
    unlink(l);
    symlink("/proc/1/root/etc/shadow", l);
    fd = open(l, O_RDONLY);
    verdict("symlink_proc_root", fd, "read /etc/shadow through /proc/1/root");
    if (fd >= 0) close(fd);
    unlink(l);
}

static void try_open_by_handle(void) {
    struct { struct file_handle fh; unsigned char buf[128]; } h;
    memset(&h, 0, sizeof h);
    h.fh.handle_bytes = 8;
    h.fh.handle_type = 1; // FILEID_INO32_GEN: the root inode of ext4 is 2 ("shocker")
    uint32_t ino = 2;
    memcpy(h.fh.f_handle, &ino, 4);
    int mfd = open("/etc", O_RDONLY | O_DIRECTORY);
    long r = syscall(SYS_open_by_handle_at, mfd, &h.fh, O_RDONLY);
    verdict("open_by_handle_at", r, "opened a file by handle");
    if (r >= 0) close((int)r);
    if (mfd >= 0) close(mfd);
}

static void try_proc(void) {
    int fd = open("/proc/1/root/etc/hostname", O_RDONLY);
    verdict("proc1_root", fd, "read through /proc/1/root");
    if (fd >= 0) close(fd);
    char p[256];
    snprintf(p, sizeof p, "/proc/%d/environ", (int)outside_pid);
    fd = open(p, O_RDONLY);
    verdict("proc_outside_pid", fd, "opened an outside process's environ");
    if (fd >= 0) close(fd);
    snprintf(p, sizeof p, "/proc/%d/root/", (int)outside_pid);
    fd = open(p, O_RDONLY | O_DIRECTORY);
    verdict("proc_outside_root", fd, "opened an outside process's root");
    if (fd >= 0) close(fd);
}

static void try_processes(void) {
    verdict("ptrace_attach", ptrace(PTRACE_ATTACH, outside_pid, 0, 0), "attached to an outside process");
    char buf[64];
    struct iovec local = { buf, sizeof buf }, remote = { (void *)0x400000, sizeof buf };
    verdict("process_vm_readv", process_vm_readv(outside_pid, &local, 1, &remote, 1, 0), "read an outside process's memory");
    verdict("kill_outside", kill(outside_pid, SIGKILL), "signalled an outside process");
}

static void try_mounts(void) {
    mkdir("/tmp/contain-probe-mnt", 0755);
    verdict("mount", mount("none", "/tmp/contain-probe-mnt", "tmpfs", 0, NULL), "mounted a tmpfs");
    verdict("umount", umount2("/usr", MNT_DETACH), "unmounted /usr");
    verdict("pivot_root", syscall(SYS_pivot_root, ".", "."), "pivoted the root");
    long r = chroot("/tmp/contain-probe-mnt");
    if (r == 0) {
        for (int i = 0; i < 64; i++) (void)chdir("..");
        r = chroot(".");
        escaped("chroot_escape", "chroot succeeded");
        return;
    }
    blocked("chroot_escape", errno);
}

static void try_namespaces(void) {
    verdict("unshare_userns", unshare(CLONE_NEWUSER), "created a new user namespace");
    long r = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
    if (r == 0) _exit(0);
    if (r > 0) { waitpid((pid_t)r, NULL, 0); escaped("clone_newuser", "cloned into a new user namespace"); }
    else blocked("clone_newuser", errno);
    r = unshare(CLONE_NEWNS);
    verdict("unshare_mountns", r, "created a new mount namespace");
    int fd = open("/proc/1/ns/mnt", O_RDONLY);
    if (fd < 0) { blocked("setns", errno); }
    else { verdict("setns", setns(fd, 0), "joined init's mount namespace"); close(fd); }
}

static void try_kernel_interfaces(void) {
    verdict("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0), "reached the session keyring");
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_type = BPF_MAP_TYPE_ARRAY;
    a.key_size = 4;
    a.value_size = 4;
    a.max_entries = 1;
    long r = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof a);
    verdict("bpf", r, "created a BPF map");
    if (r >= 0) close((int)r);
    struct perf_event_attr pe;
    memset(&pe, 0, sizeof pe);
    pe.type = PERF_TYPE_SOFTWARE;
    pe.size = sizeof pe;
    pe.config = PERF_COUNT_SW_CPU_CLOCK;
    r = syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
    verdict("perf_event_open", r, "opened a perf event");
    if (r >= 0) close((int)r);
    r = syscall(SYS_userfaultfd, 0);
    verdict("userfaultfd", r, "created a userfaultfd");
    if (r >= 0) close((int)r);
    unsigned char params[120];
    memset(params, 0, sizeof params);
    r = syscall(SYS_io_uring_setup, 4, params);
    verdict("io_uring_setup", r, "created an io_uring");
    if (r >= 0) close((int)r);
    int fd = open("/dev/kmsg", O_RDONLY);
    verdict("dev_kmsg", fd, "opened /dev/kmsg");
    if (fd >= 0) close(fd);
    fd = open("/sys/kernel/uevent_helper", O_WRONLY);
    verdict("sys_write", fd, "opened a /sys file for writing");
    if (fd >= 0) close(fd);
    fd = open("/sys/fs/cgroup/cgroup.procs", O_WRONLY);
    verdict("cgroup_write", fd, "opened cgroup.procs for writing");
    if (fd >= 0) close(fd);
    fd = open("/proc/sys/kernel/core_pattern", O_WRONLY);
    verdict("core_pattern_write", fd, "opened core_pattern for writing");
    if (fd >= 0) close(fd);
    fd = open("/proc/self/exe", O_RDONLY);
    r = syscall(SYS_finit_module, fd, "", 0);
    verdict("module_load", r, "loaded a kernel module");
    if (fd >= 0) close(fd);
    // Wrong magic: harmless even if permitted; EPERM means the permission check refused it first.
    r = syscall(SYS_reboot, 0, 0, LINUX_REBOOT_CMD_CAD_OFF, NULL);
    if (r < 0 && errno != EINVAL) blocked("reboot", errno);
    else escaped("reboot", "passed reboot's permission check");
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    verdict("settimeofday", clock_settime(CLOCK_REALTIME, &now), "set the system clock");
    struct timeval tv;
    gettimeofday(&tv, NULL);
    verdict("settimeofday_legacy", settimeofday(&tv, NULL), "set the system clock");
    struct { unsigned int entry, base, limit, flags; } ldt = { 0, 0, 0xfffff, 0x51 };
    verdict("modify_ldt", syscall(SYS_modify_ldt, 1, &ldt, sizeof ldt), "wrote an LDT entry");
}

static void try_tty(void) {
    char c = 'x';
    verdict("tiocsti", ioctl(0, TIOCSTI, &c), "pushed a character into the terminal");
    // The kernel compares the low 32 bits of the request; a filter that compares 64 bits misses this.
    verdict("tiocsti_highbits", syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI | (1UL << 32), &c), "pushed a character (high bits set)");
    char sub = 3; // TIOCL_SETSEL-style subcode
    verdict("tioclinux", ioctl(0, TIOCLINUX, &sub), "TIOCLINUX");
    verdict("tioclinux_highbits", syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX | (1UL << 32), &sub), "TIOCLINUX (high bits set)");
}

// Runs `fn` in a child: being killed (SIGSYS from the filter) counts as blocked.
static void in_child(const char *name, long (*fn)(void)) {
    pid_t p = fork();
    if (p == 0) {
        long r = fn();
        _exit(r < 0 ? 100 + (errno & 0x7f) % 100 : 0);
    }
    if (p < 0) { blocked(name, errno); return; }
    int st;
    waitpid(p, &st, 0);
    if (WIFSIGNALED(st)) { printf("%s: blocked (killed by signal %d)\n", name, WTERMSIG(st)); return; }
    if (WEXITSTATUS(st) >= 100) { blocked(name, WEXITSTATUS(st) - 100); return; }
    escaped(name, "the foreign-architecture syscall ran");
}

static long x32_getpid(void) { return syscall(39 | 0x40000000); }

static long int80_getpid(void) {
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
    if (r < 0 && r > -4096) { errno = (int)-r; return -1; }
    return r;
}

static void try_sockets(void) {
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    verdict("raw_socket", s, "opened a raw socket");
    if (s >= 0) close(s);
    s = socket(AF_PACKET, SOCK_RAW, htons(0x0003));
    verdict("packet_socket", s, "opened a packet socket");
    if (s >= 0) close(s);
    s = socket(AF_VSOCK, SOCK_STREAM, 0);
    verdict("vsock_socket", s, "opened an AF_VSOCK socket");
    if (s >= 0) close(s);
    s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { blocked("tcp_connect", errno); return; }
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9), .sin_addr = { htonl(0x7f000001) } };
    int r = connect(s, (struct sockaddr *)&sa, sizeof sa);
    if (r < 0 && errno == ECONNREFUSED) escaped("tcp_connect", "reached the loopback TCP stack");
    else verdict("tcp_connect", r, "connected");
    close(s);
}

static void try_setuid_exec(void) {
    if (!suid_path) { printf("setuid_exec: blocked (no setuid binary given)\n"); return; }
    int pfd[2];
    if (pipe(pfd) != 0) { blocked("setuid_exec", errno); return; }
    pid_t p = fork();
    if (p == 0) {
        dup2(pfd[1], 1);
        execl(suid_path, suid_path, "--child-caps", (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    char buf[256] = {0};
    ssize_t n = read(pfd[0], buf, sizeof buf - 1);
    close(pfd[0]);
    int st;
    waitpid(p, &st, 0);
    unsigned long euid = 0, capeff = 0;
    if (n <= 0 || sscanf(buf, "%lu %lx", &euid, &capeff) != 2) {
        printf("setuid_exec: blocked (exec failed, status %d)\n", st);
        return;
    }
    if (capeff != 0 || euid != (unsigned long)geteuid()) escaped("setuid_exec", "gained privileges from a setuid binary");
    else printf("setuid_exec: blocked (no privilege gained: euid %lu, CapEff %lx)\n", euid, capeff);
}

// Planting a setuid/setgid file in the workspace by creating it with those bits (not chmod): it would be
// privileged on the host for whoever runs it later. The create calls must refuse the mode, or the file
// must come out without the bits.
static void try_setuid_create(void) {
    struct { const char *name; int kind; } tries[] = {
        { "setuid_create_open", 0 }, { "setuid_create_openat", 1 }, { "setuid_create_creat", 2 },
        { "setuid_create_mknod", 3 }, { "setgid_create_openat", 4 },
    };
    for (size_t k = 0; k < sizeof tries / sizeof tries[0]; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/planted-%d", ws, tries[k].kind);
        long r;
        switch (tries[k].kind) {
        case 0: r = syscall(SYS_open, path, O_CREAT | O_WRONLY | O_EXCL, 04755); break;
        case 1: r = openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_EXCL, 04755); break;
        case 2: r = syscall(SYS_creat, path, 04755); break;
        case 3: r = mknod(path, S_IFREG | 04755, 0); break;
        default: r = openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_EXCL, 02755); break;
        }
        if (r < 0) { blocked(tries[k].name, errno); continue; }
        if (tries[k].kind != 3) close((int)r);
        struct stat st;
        if (stat(path, &st) == 0 && (st.st_mode & 06000)) escaped(tries[k].name, "created a file with setuid/setgid bits");
        else printf("%s: blocked (created without the bits)\n", tries[k].name);
        unlink(path);
    }
}

static void child_caps(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long capeff = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "CapEff:", 7) == 0) capeff = strtoul(line + 7, NULL, 16);
    }
    printf("%u %lx\n", (unsigned)geteuid(), capeff);
}

static void try_fork_bomb(void) {
    enum { LIMIT = 2048 };
    static pid_t kids[LIMIT];
    int n = 0, err = 0;
    for (; n < LIMIT; n++) {
        pid_t p = fork();
        if (p == 0) { pause(); _exit(0); }
        if (p < 0) { err = errno; break; }
        kids[n] = p;
    }
    for (int i = 0; i < n; i++) kill(kids[i], SIGKILL);
    for (int i = 0; i < n; i++) waitpid(kids[i], NULL, 0);
    if (n < LIMIT) printf("fork_bomb: blocked (%s after %d processes)\n", strerrorname_np(err), n);
    else escaped("fork_bomb", "forked 2048 processes");
}

static void try_memory_bomb(void) {
    // Address space, not touched memory: without RLIMIT_AS the kernel hands out 64 GiB of untouched
    // MAP_NORESERVE mappings; with it, the mapping fails long before.
    const size_t chunk = 256UL << 20;
    enum { MAX = 256 };
    static void *maps[MAX];
    int n = 0, err = 0;
    for (; n < MAX; n++) {
        void *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) { err = errno; break; }
        maps[n] = p;
    }
    for (int i = 0; i < n; i++) munmap(maps[i], chunk);
    if (n < MAX) printf("memory_bomb: blocked (%s after %d MiB)\n", strerrorname_np(err), n * 256);
    else escaped("memory_bomb", "mapped 64 GiB");
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--child-caps")) { child_caps(); return 0; }
        if (i + 1 >= argc) break;
        if (!strcmp(argv[i], "--secret")) secret_path = argv[++i];
        else if (!strcmp(argv[i], "--outside-pid")) outside_pid = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--suid")) suid_path = argv[++i];
        else if (!strcmp(argv[i], "--ws")) ws = argv[++i];
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    try_read_secret();
    try_write_outside();
    try_symlink_escape();
    try_open_by_handle();
    try_proc();
    try_processes();
    try_mounts();
    try_namespaces();
    try_kernel_interfaces();
    try_tty();
    in_child("x32_syscall", x32_getpid);
    in_child("int80_syscall", int80_getpid);
    try_sockets();
    try_setuid_exec();
    try_setuid_create();
    try_fork_bomb();
    try_memory_bomb();
    printf("probe: done\n");
    return 0;
}
