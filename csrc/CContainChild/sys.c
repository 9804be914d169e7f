// Supervisor-side syscall shims; see contain_sys.h for why these are C.
#define _GNU_SOURCE
#include "contain_sys.h"
#include <fcntl.h>
#include <sys/syscall.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <unistd.h>

int contain_sys_pipe2_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int contain_sys_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0U); }

int contain_sys_pidfd_getfd(int pidfd, int fd) { return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0U); }

int contain_sys_landlock_abi(void) {
    return (int)syscall(SYS_landlock_create_ruleset, (void *)0, (size_t)0, 1U /* VERSION */);
}

int contain_sys_seccomp_user_notif_available(void) {
    uint32_t action = 0x7fc00000U; /* SECCOMP_RET_USER_NOTIF */
    return (int)syscall(SYS_seccomp, 2U /* SECCOMP_GET_ACTION_AVAIL */, 0U, &action);
}

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

struct contain_sys_mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };
#define CONTAIN_MOUNT_ATTR_IDMAP 0x00100000ULL

// A user namespace that maps id 0 to host uid/gid `uid`/`gid` and nothing else, as a descriptor: its only
// use is as the id mapping of an idmapped mount. A namespace needs a process to be created; this one is
// a clone that only pauses until it is killed (no libc lock can be involved). It is ended with SIGKILL,
// not by closing a pipe: in a multi-threaded supervisor another thread's fork could hold a copy of any
// pipe end, and the wait would never end.
static int idmap_userns(uint32_t uid, uint32_t gid) {
    long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
    if (pid < 0) return -errno;
    if (pid == 0) {
        for (;;) pause();
    }
    int err = 0, ns = -1;
    char path[64], map[64];
    const char *files[2] = { "uid_map", "gid_map" };
    uint32_t ids[2] = { uid, gid };
    for (int i = 0; i < 2 && err == 0; i++) {
        snprintf(path, sizeof path, "/proc/%ld/%s", pid, files[i]);
        int n = snprintf(map, sizeof map, "0 %u 1\n", ids[i]);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) { err = errno; break; }
        if (write(fd, map, (size_t)n) != n) err = errno ? errno : EIO;
        close(fd);
    }
    if (err == 0) {
        snprintf(path, sizeof path, "/proc/%ld/ns/user", pid);
        ns = open(path, O_RDONLY | O_CLOEXEC);
        if (ns < 0) err = errno;
    }
    kill((pid_t)pid, SIGKILL);
    int st;
    while (waitpid((pid_t)pid, &st, 0) < 0 && errno == EINTR) {}
    return err ? -err : ns;
}

int contain_sys_idmapped_tree(const char *path, uint32_t uid, uint32_t gid) {
    int ns = idmap_userns(uid, gid);
    if (ns < 0) { errno = -ns; return -1; }
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, path, 1U /* OPEN_TREE_CLONE */ | O_CLOEXEC);
    if (tree < 0) { int e = errno; close(ns); errno = e; return -1; }
    struct contain_sys_mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = CONTAIN_MOUNT_ATTR_IDMAP;
    attr.userns_fd = (uint64_t)ns;
    long r = syscall(SYS_mount_setattr, tree, "", 0x1000U /* AT_EMPTY_PATH */, &attr, sizeof attr);
    int e = errno;
    close(ns);
    if (r != 0) { close(tree); errno = e; return -1; }
    return tree;
}
