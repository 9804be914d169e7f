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
