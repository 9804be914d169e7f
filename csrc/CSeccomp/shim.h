// CSeccomp: libseccomp (compile and name resolution, parent only) plus the few kernel interfaces Swift
// cannot reach on its own. Why C here: SECCOMP_IOCTL_NOTIF_* are function-like _IOWR() macros and the
// notification structs are kernel ABI, so the request numbers and layouts come from <linux/seccomp.h>
// instead of being re-typed in Swift. Each wrapper is one syscall; EINTR policy is stated per wrapper.
//
// contain_seccomp_probe_* is test support for Tests/ContainSandboxTests/Seccomp*.swift: it loads a compiled
// program into a forked child and runs raw syscalls there, so the unit tests exercise the real kernel
// without the launcher. The child side is async-signal-safe (raw syscalls only, _exit), because the Swift
// test process is multi-threaded when it forks.
#ifndef CONTAIN_CSECCOMP_SHIM_H
#define CONTAIN_CSECCOMP_SHIM_H

#include <seccomp.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <signal.h>
#include <stdlib.h>

// MARK: - libseccomp constants Swift cannot import (composite macros)

static inline uint32_t contain_scmp_arch_native(void) { return SCMP_ARCH_NATIVE; }
static inline uint32_t contain_scmp_arch_x86_64(void) { return SCMP_ARCH_X86_64; }
static inline uint32_t contain_scmp_arch_x86(void) { return SCMP_ARCH_X86; }
static inline uint32_t contain_scmp_arch_x32(void) { return SCMP_ARCH_X32; }
static inline int contain_scmp_error_nr(void) { return __NR_SCMP_ERROR; }

/// memfd_create(name, MFD_CLOEXEC) via syscall(2) (glibc hides the wrapper behind _GNU_SOURCE).
/// Returns the fd or -errno; never sleeps, so no EINTR.
static inline int contain_memfd_cloexec(const char *name) {
    int fd = (int)syscall(SYS_memfd_create, name, 1U /* MFD_CLOEXEC */);
    return fd >= 0 ? fd : -errno;
}

/// eventfd(0, EFD_CLOEXEC) via syscall(2): wakes the listener thread's poll for stop(). -errno on failure.
/// Never sleeps: no EINTR.
static inline int contain_eventfd_cloexec(void) {
    int fd = (int)syscall(SYS_eventfd2, 0, 02000000 /* EFD_CLOEXEC */);
    return fd >= 0 ? fd : -errno;
}

// MARK: - USER_NOTIF (supervisor side)

/// seccomp(SECCOMP_GET_NOTIF_SIZES): the kernel's sizes of the notification structs (they may grow).
/// Never sleeps: no EINTR.
static inline int contain_seccomp_notif_sizes(unsigned short *notif, unsigned short *resp, unsigned short *data) {
    struct seccomp_notif_sizes s;
    memset(&s, 0, sizeof s);
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &s) != 0) return -errno;
    *notif = s.seccomp_notif; *resp = s.seccomp_notif_resp; *data = s.seccomp_data;
    return 0;
}

/// Our compiled-in struct sizes, to size buffers as max(kernel, ours).
static inline unsigned short contain_seccomp_notif_struct_size(void) { return (unsigned short)sizeof(struct seccomp_notif); }
static inline unsigned short contain_seccomp_resp_struct_size(void) { return (unsigned short)sizeof(struct seccomp_notif_resp); }

/// SECCOMP_IOCTL_NOTIF_RECV into `buf` (zeroed here: the kernel refuses a dirty buffer).
/// Returns 0 or -errno; EINTR and ENOENT (target died before we received) are the caller's to retry.
static inline int contain_seccomp_notif_recv(int fd, void *buf, size_t len) {
    memset(buf, 0, len);
    return ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, buf) == 0 ? 0 : -errno;
}

/// Field accessors for a received notification (kernel layout from the header).
static inline uint64_t contain_notif_id(const void *buf) { return ((const struct seccomp_notif *)buf)->id; }
static inline uint32_t contain_notif_pid(const void *buf) { return ((const struct seccomp_notif *)buf)->pid; }
static inline int32_t contain_notif_nr(const void *buf) { return ((const struct seccomp_notif *)buf)->data.nr; }
static inline uint32_t contain_notif_arch(const void *buf) { return ((const struct seccomp_notif *)buf)->data.arch; }
static inline uint64_t contain_notif_arg(const void *buf, int i) { return (i >= 0 && i < 6) ? ((const struct seccomp_notif *)buf)->data.args[i] : 0; }

/// SECCOMP_IOCTL_NOTIF_SEND. `error` is a positive errno to fail the call with, or 0 with `cont` to let the
/// call proceed (SECCOMP_USER_NOTIF_FLAG_CONTINUE), or 0 without `cont` to return `val`.
/// Returns 0 or -errno (ENOENT: the target is gone or was interrupted; EINTR: caller retries).
static inline int contain_seccomp_notif_send(int fd, uint64_t id, int64_t val, int error, int cont) {
    struct seccomp_notif_resp r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.val = val;
    r.error = error ? -error : 0;
    r.flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
    return ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &r) == 0 ? 0 : -errno;
}

/// SECCOMP_IOCTL_NOTIF_ID_VALID: is the target still blocked in this notification (so memory we read from
/// its pid belonged to it)? 0 = valid, -ENOENT = gone, other -errno. Never sleeps: no EINTR.
static inline int contain_seccomp_notif_id_valid(int fd, uint64_t id) {
    return ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0 ? 0 : -errno;
}

/// SECCOMP_IOCTL_NOTIF_ADDFD: install `srcfd` into the target. With `setfd` it replaces the target's fd
/// `newfd`; with `send` it also answers the notification atomically (the call returns the fd number).
/// Returns the target fd number or -errno; -EINTR is the caller's to retry (the fd was not installed).
static inline int contain_seccomp_notif_addfd(int fd, uint64_t id, int srcfd, int newfd, int setfd, int send, uint32_t newfd_flags) {
    struct seccomp_notif_addfd a;
    memset(&a, 0, sizeof a);
    a.id = id;
    a.srcfd = (uint32_t)srcfd;
    a.newfd = setfd ? (uint32_t)newfd : 0;
    a.newfd_flags = newfd_flags;
    a.flags = (setfd ? SECCOMP_ADDFD_FLAG_SETFD : 0) | (send ? SECCOMP_ADDFD_FLAG_SEND : 0);
    int r = ioctl(fd, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
    return r >= 0 ? r : -errno;
}

/// pidfd_open + pidfd_getfd: take a copy of fd `targetfd` of process `pid` (the launcher hands the listener
/// up this way). Returns the new fd (O_CLOEXEC) or -errno. No EINTR: neither call sleeps interruptibly.
static inline int contain_pidfd_getfd(pid_t pid, int targetfd) {
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd < 0) return -errno;
    int fd = (int)syscall(SYS_pidfd_getfd, pfd, targetfd, 0);
    int err = errno;
    close(pfd);
    return fd >= 0 ? fd : -err;
}

/// Takes a copy of fd `targetfd` of the process blocked in notification `id`: pidfd_open first, then
/// ID_VALID, then pidfd_getfd, so the pidfd provably names the blocked target and not a process that
/// reused its pid. Returns the fd (O_CLOEXEC) or -errno (-ENOENT: the target is gone). None of the three
/// calls sleeps: no EINTR.
static inline int contain_notif_getfd(int listener, uint64_t id, pid_t pid, int targetfd) {
    /* The notification names the calling THREAD. pidfd_open(tid, 0) fails with ENOENT for any thread but
     * the group leader, so a multithreaded client's connect() would never be answered: ask for a thread
     * pidfd (PIDFD_THREAD == O_EXCL, Linux 6.9), falling back to the process form on older kernels. */
    int pfd = (int)syscall(SYS_pidfd_open, pid, O_EXCL);
    if (pfd < 0 && errno == EINVAL) pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd < 0) return -errno;
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0) { int e = errno; close(pfd); return -e; }
    int fd = (int)syscall(SYS_pidfd_getfd, pfd, targetfd, 0);
    int err = errno;
    close(pfd);
    return fd >= 0 ? fd : -err;
}

/// connect(2) with raw sockaddr bytes. 0 or -errno; EINTR is returned (a non-blocking connect never sleeps).
static inline int contain_connect_raw(int fd, const void *addr, unsigned len) {
    return connect(fd, (const struct sockaddr *)addr, (socklen_t)len) == 0 ? 0 : -errno;
}

/// fcntl(F_DUPFD_CLOEXEC, 3): a private copy of an fd for another thread. -errno on failure. No EINTR.
static inline int contain_dup_cloexec(int fd) { int r = fcntl(fd, F_DUPFD_CLOEXEC, 3); return r >= 0 ? r : -errno; }

/// fcntl(F_GETFL) / fcntl(F_SETFL): Swift cannot call the variadic fcntl. -errno on failure. No EINTR.
static inline int contain_getfl(int fd) { int r = fcntl(fd, F_GETFL); return r >= 0 ? r : -errno; }
static inline int contain_setfl(int fd, int flags) { return fcntl(fd, F_SETFL, flags) == 0 ? 0 : -errno; }

/// process_vm_readv of one range. Returns bytes read or -errno (EFAULT: unmapped; ESRCH: gone).
/// No EINTR: the call does not sleep interruptibly.
static inline long contain_read_process_memory(pid_t pid, uint64_t addr, void *buf, size_t len) {
    struct iovec local = { buf, len };
    struct iovec remote = { (void *)(uintptr_t)addr, len };
    long n = (long)syscall(SYS_process_vm_readv, pid, &local, 1UL, &remote, 1UL, 0UL);
    return n >= 0 ? n : -errno;
}

// MARK: - Test support: run raw syscalls under a compiled program in a forked child

enum { CONTAIN_PROBE_MAX_CALLS = 16 };
/// An argument equal to CONTAIN_PROBE_RESULT_OF | k is replaced by call k's return value (e.g. an fd).
#define CONTAIN_PROBE_RESULT_OF 0xC0DE000000000000UL

/// One call for the probe child. `mode`: 0 = syscall(2) on the native ABI, 1 = i386 `int $0x80`.
/// `repeat` > 1 makes the same call that many times (the last result is kept).
struct contain_probe_call {
    long nr;
    unsigned long args[6];
    int mode;
    long repeat;
};

/// Shared with the child (MAP_SHARED): results in call order.
struct contain_probe_shared {
    volatile int listener_fd;       /* the child's listener fd number, -1 if none */
    volatile int installed;         /* 1 after seccomp() succeeded, -errno on failure */
    volatile int completed;         /* calls finished */
    long ret[CONTAIN_PROBE_MAX_CALLS];
    int err[CONTAIN_PROBE_MAX_CALLS];
};

static inline long contain_probe_int80(long nr, unsigned long a0, unsigned long a1, unsigned long a2) {
#if defined(__x86_64__)
    long ret;
    __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
    return ret;
#else
    (void)nr; (void)a0; (void)a1; (void)a2;
    return -ENOSYS;
#endif
}

/// Forks a child that sets no_new_privs, installs `prog` (with NEW_LISTENER when `listener`), writes one byte
/// to `ready_fd`, then runs `calls` and records each result in `shared`, then _exit(0).
/// Returns the child's pid or -errno. The caller waits for it.
static inline pid_t contain_probe_spawn(const void *prog_bytes, unsigned short prog_len, int listener,
                                        const struct contain_probe_call *calls, int ncalls,
                                        struct contain_probe_shared *shared, int ready_fd) {
    if (ncalls > CONTAIN_PROBE_MAX_CALLS) return -E2BIG;
    pid_t pid = fork();
    if (pid < 0) return -errno;
    if (pid > 0) return pid;
    struct sock_fprog prog = { prog_len, (struct sock_filter *)prog_bytes };
    if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { shared->installed = -errno; _exit(120); }
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
    if (fd < 0) { shared->installed = -errno; _exit(121); }
    shared->listener_fd = listener ? (int)fd : -1;
    shared->installed = 1;
    char b = 1;
    (void)syscall(SYS_write, ready_fd, &b, 1);
    for (int i = 0; i < ncalls; i++) {
        long r;
        unsigned long a[6];
        for (int j = 0; j < 6; j++) {
            unsigned long v = calls[i].args[j];
            a[j] = (v & 0xffffffffffff0000UL) == CONTAIN_PROBE_RESULT_OF && (v & 0xffff) < (unsigned long)i
                ? (unsigned long)shared->ret[v & 0xffff] : v;
        }
        for (long k = 1; k < calls[i].repeat; k++)
            (void)syscall(calls[i].nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (calls[i].mode == 1) {
            r = contain_probe_int80(calls[i].nr, a[0], a[1], a[2]);
            shared->ret[i] = r; shared->err[i] = r < 0 && r > -4096 ? (int)-r : 0;
        } else {
            r = syscall(calls[i].nr, a[0], a[1], a[2], a[3], a[4], a[5]);
            shared->ret[i] = r; shared->err[i] = r < 0 ? errno : 0;
        }
        shared->completed = i + 1;
    }
    syscall(SYS_exit_group, 0);
    _exit(0);
}

static inline struct contain_probe_shared *contain_probe_shared_alloc(void) {
    void *p = mmap(NULL, sizeof(struct contain_probe_shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    memset(p, 0, sizeof(struct contain_probe_shared));
    ((struct contain_probe_shared *)p)->listener_fd = -1;
    return (struct contain_probe_shared *)p;
}

static inline void contain_probe_shared_free(struct contain_probe_shared *p) {
    if (p) munmap(p, sizeof(struct contain_probe_shared));
}

/// waitpid retrying EINTR. Returns the raw status or -errno.
static inline int contain_probe_wait(pid_t pid) {
    int st = 0;
    for (;;) {
        if (waitpid(pid, &st, __WALL) >= 0) return st;
        if (errno != EINTR) return -errno;
    }
}

static inline int contain_wifsignaled(int st) { return WIFSIGNALED(st); }
static inline int contain_wtermsig(int st) { return WTERMSIG(st); }
static inline int contain_wifexited(int st) { return WIFEXITED(st); }
static inline int contain_wexitstatus(int st) { return WEXITSTATUS(st); }

#endif
