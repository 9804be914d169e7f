// Feature probes run in a forked child; see contain_probe.h for why this is C.
#define _GNU_SOURCE
#include "contain_probe.h"
#include <errno.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

static int install_filter(int listener, int *fd_out) {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        // getpgid: a call this child never makes, so nothing ever waits on the (unread) listener.
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, listener ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = (unsigned short)(sizeof filter / sizeof filter[0]), .filter = filter };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0UL, &prog);
    if (r < 0) return errno;
    if (fd_out) *fd_out = (int)r;
    return 0;
}

static int run_probe(int kind, unsigned long arg) {
    int fd = -1, e;
    switch (kind) {
    case CONTAIN_PROBE_UNSHARE:
        return unshare((int)arg) == 0 ? 0 : errno;
    case CONTAIN_PROBE_USERNS_MOUNT:
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return errno;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return errno;
        return mount("contain-probe", "/", "tmpfs", MS_NOSUID | MS_NODEV, "size=4k") == 0 ? 0 : errno;
    case CONTAIN_PROBE_SECCOMP_FILTER:
        return install_filter(0, NULL);
    case CONTAIN_PROBE_SECCOMP_LISTENER:
        return install_filter(1, &fd);
    case CONTAIN_PROBE_SECCOMP_ADDFD: {
        if ((e = install_filter(1, &fd)) != 0) return e;
        struct seccomp_notif_addfd addfd;
        memset(&addfd, 0, sizeof addfd);
        addfd.id = 0x636f6e7461696eULL; // no notification has this id
        addfd.srcfd = (unsigned)fd;
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) >= 0) return 0;
        return errno == ENOENT ? 0 : errno;
    }
    default:
        return EINVAL;
    }
}

int contain_probe_in_child(int kind, unsigned long arg, long uid, long gid) {
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        // The child: raw syscalls only, leave with _exit. Die with the parent rather than linger.
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (gid >= 0) {
            if (setgroups(0, NULL) != 0 && errno != EPERM) _exit(errno & 0xff);
            if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) != 0) _exit(errno & 0xff);
        }
        if (uid >= 0 && setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) _exit(errno & 0xff);
        _exit(run_probe(kind, arg) & 0xff);
    }
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, 0);
        if (r == pid) break;
        if (r < 0 && errno == EINTR) continue; // EINTR: retry, the child is still ours to reap
        return -1;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 256 + WTERMSIG(status);
    return -1;
}
