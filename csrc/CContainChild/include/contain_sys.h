#ifndef CONTAIN_SYS_H
#define CONTAIN_SYS_H
// Supervisor-side syscall shims. C because glibc's SYS_* numbers and _GNU_SOURCE-only prototypes
// (pipe2, the pidfd and Landlock calls) do not import into Swift. Each returns -1 with errno set on
// failure; EINTR policy is the caller's (Sources/ContainSandbox/Syscalls.swift).
#include <stdint.h>
#include <sys/types.h>

int contain_sys_pipe2_cloexec(int fds[2]);
int contain_sys_pidfd_open(pid_t pid);
int contain_sys_pidfd_getfd(int pidfd, int fd);
/// The Landlock ABI version, or -1 (ENOSYS: not built; EOPNOTSUPP: disabled at boot).
int contain_sys_landlock_abi(void);
/// 0 when the kernel's seccomp supports SECCOMP_RET_USER_NOTIF (SECCOMP_GET_ACTION_AVAIL), else -1.
int contain_sys_seccomp_user_notif_available(void);
/// A detached copy of the mount at `path` (open_tree OPEN_TREE_CLONE, close-on-exec) whose files owned by
/// host uid/gid 0 appear owned by `uid`/`gid` (an idmapped mount: MOUNT_ATTR_IDMAP with a user namespace
/// mapping 0 to them), and files of every other id as unmapped. Needs CAP_SYS_ADMIN over the filesystem
/// and a filesystem that supports idmapping (EINVAL otherwise). C: it clones a process to own the user
/// namespace the mapping is taken from.
int contain_sys_idmapped_tree(const char *path, uint32_t uid, uint32_t gid);
#endif
