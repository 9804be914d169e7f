#ifndef CONTAIN_PROBE_H
#define CONTAIN_PROBE_H
// Kernel feature probes for `contain doctor` that must run in a throw-away child process: creating a user
// namespace needs a single-threaded caller, and installing a seccomp filter or dropping uids must not touch
// the supervisor. Why C: the child of fork() in a multi-threaded process may only make async-signal-safe
// calls (Swift may allocate or take runtime locks another thread held at the fork). The child below makes
// raw syscalls only and leaves with _exit.
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum contain_probe_kind {
    /// unshare(arg).
    CONTAIN_PROBE_UNSHARE = 1,
    /// unshare(CLONE_NEWUSER|CLONE_NEWNS), make / private, mount a tmpfs: namespaces that are not only
    /// created but usable (AppArmor's restrict_unprivileged_userns lets unshare succeed, then denies this).
    CONTAIN_PROBE_USERNS_MOUNT,
    /// no_new_privs + seccomp(SECCOMP_SET_MODE_FILTER) with an allow-all filter.
    CONTAIN_PROBE_SECCOMP_FILTER,
    /// A filter returning SECCOMP_RET_USER_NOTIF for one syscall the child never makes, installed with
    /// SECCOMP_FILTER_FLAG_NEW_LISTENER (kernel >= 5.0).
    CONTAIN_PROBE_SECCOMP_LISTENER,
    /// The listener above, then SECCOMP_IOCTL_NOTIF_ADDFD for a notification id that does not exist:
    /// ENOENT means the kernel knows the ioctl (>= 5.9); EINVAL/ENOTTY means it does not.
    CONTAIN_PROBE_SECCOMP_ADDFD,
};

/// Runs probe `kind` in a forked child, after dropping to `uid`/`gid` when they are not -1 (needs root).
/// Returns 0 when the probe succeeded in the child, the errno it failed with (> 0), 256 + N when the
/// child died of signal N, or -1 with errno set when the child could not be created or waited for.
int contain_probe_in_child(int kind, unsigned long arg, long uid, long gid);

#ifdef __cplusplus
}
#endif
#endif
