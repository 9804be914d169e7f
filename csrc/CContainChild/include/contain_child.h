#ifndef CONTAIN_CHILD_H
#define CONTAIN_CHILD_H
// The plan the supervisor (Swift) hands to the sandbox child, and the one entry point that runs it.
//
// Why this is C and not Swift: the child of clone() in a multi-threaded process may only call
// async-signal-safe functions (another thread may have held the malloc, stdio or Swift runtime locks at
// the moment of the clone; they stay locked forever in the child). Swift allocates implicitly (strings,
// arrays, closures, retain/release of class references), so no Swift may run there. Everything below is
// raw syscalls on memory the parent prepared before the clone: no allocation, no stdio, `_exit` only.
//
// The plan is a flat, ordered list of steps. The child is cloned before the plan exists (by `contain run`
// before main, when contain's address space is still small; see contain_early_spawn) and receives the plan
// and the descriptors it names on a socket (contain_send_plan); it walks the list and reports the first
// failure as `{step index, errno}` on a close-on-exec pipe. End-of-file on that pipe without a record
// means `execve` succeeded.

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum contain_op {
    /// prctl(PR_SET_PDEATHSIG, arg): the sandbox dies with the supervisor's spawning thread.
    CONTAIN_OP_PDEATHSIG = 1,
    /// Read one byte from `sync_fd`: the parent has written uid_map/gid_map. EOF: the parent died; _exit.
    CONTAIN_OP_WAIT_PARENT,
    /// setresgid(arg, arg, arg) inside the new user namespace.
    CONTAIN_OP_SETRESGID,
    /// setresuid(arg, arg, arg).
    CONTAIN_OP_SETRESUID,
    /// setgroups(0, NULL).
    CONTAIN_OP_SETGROUPS_EMPTY,
    /// mount(src, path, fstype, mflags, data).
    CONTAIN_OP_MOUNT,
    /// mount_setattr(path, arg2 ? AT_RECURSIVE : 0, { attr_set = arg }).
    CONTAIN_OP_MOUNT_SETATTR,
    /// mkdir -p path (mode arg for the directories it creates).
    CONTAIN_OP_MKDIR_P,
    /// mkdir -p dirname(path), then create an empty regular file (a bind-mount target for a file).
    CONTAIN_OP_MKFILE_P,
    /// mkdir -p dirname(path), then symlink(src, path).
    CONTAIN_OP_SYMLINK,
    /// chmod(path, arg).
    CONTAIN_OP_CHMOD,
    /// chdir(path).
    CONTAIN_OP_CHDIR,
    /// pivot_root(src, path).
    CONTAIN_OP_PIVOT_ROOT,
    /// umount2(path, arg).
    CONTAIN_OP_UMOUNT,
    /// Start creating the sandbox's network namespace in a helper process (clone with CLONE_FILES): it
    /// unshares CLONE_NEWNET, brings "lo" up and opens the namespace, while this process goes on with the
    /// other steps. A new network namespace costs ~0.75 ms of kernel time, most of a clone with every
    /// CLONE_NEW* flag; created here it overlaps with the mounts instead of delaying the whole launch.
    /// The waiting child starts it before its plan arrives, so this step usually finds it running and
    /// does nothing; a plan without this step has that namespace dropped.
    CONTAIN_OP_NETNS_START,
    /// Wait for the helper of CONTAIN_OP_NETNS_START, reap it and setns() into its network namespace
    /// (before the init starts the server, so both live in it). Its failure is this step's failure.
    CONTAIN_OP_NETNS_JOIN,
    /// sethostname(src, strlen(src)).
    CONTAIN_OP_SETHOSTNAME,
    /// Start the server process: the caller becomes pid 1 (an init that reaps, forwards SIGINT/SIGTERM/SIGHUP
    /// to the server's process group, reports the server's raw wait status on `status_fd`, then exits); the
    /// steps after this one run in the server process. vfork-style (CLONE_VM|CLONE_VFORK on a static stack):
    /// the server uses the init's memory until its execve and the init waits for that, so the address
    /// space inherited from contain is not copied a second time.
    CONTAIN_OP_FORK_INIT,
    /// setsid().
    CONTAIN_OP_SETSID,
    /// setrlimit(arg, {arg2, arg2}).
    CONTAIN_OP_SETRLIMIT,
    /// dup2(arg, arg2) (clears close-on-exec on arg2).
    CONTAIN_OP_DUP2,
    /// close_range(3, ~0, CLOSE_RANGE_CLOEXEC): nothing inherited leaks past execve; the report and ack
    /// pipes stay usable until then.
    CONTAIN_OP_CLOEXEC_FROM_3,
    /// prctl(PR_SET_NO_NEW_PRIVS, 1).
    CONTAIN_OP_NO_NEW_PRIVS,
    /// landlock_create_ruleset({fs = arg, net = arg2, scoped = mflags}) -> the child's ruleset fd.
    CONTAIN_OP_LANDLOCK_CREATE,
    /// landlock_add_rule(PATH_BENEATH, open(path, O_PATH), allowed = arg & handled fs).
    CONTAIN_OP_LANDLOCK_PATH,
    /// landlock_add_rule(NET_PORT, port = arg2, allowed = arg).
    CONTAIN_OP_LANDLOCK_PORT,
    /// landlock_restrict_self(ruleset, 0) and close the ruleset fd.
    CONTAIN_OP_LANDLOCK_ENFORCE,
    /// prctl(PR_SET_SECUREBITS, arg): no root fix-ups on execve, locked.
    CONTAIN_OP_SECUREBITS,
    /// Drop bounding set caps 0..arg, clear ambient, capset everything to zero.
    CONTAIN_OP_DROP_CAPS,
    /// seccomp(SECCOMP_SET_MODE_FILTER) with the program CONTAIN_OP_RECEIVE_SECCOMP read (must be the last
    /// step before EXEC; fails with ENODATA when no program was received). When the program asks for a
    /// listener: report the listener fd number, wait for the parent's one-byte ack on `ack_fd` (the parent
    /// took the fd with pidfd_getfd), close our copy.
    CONTAIN_OP_SECCOMP,
    /// execve(plan->exec_path, plan->argv, plan->envp).
    CONTAIN_OP_EXEC,
    /// The parent is still there: poll(sync_fd) shows no hang-up (the parent keeps its end open until the
    /// launch is over). Runs right after re-arming PDEATHSIG, which a change of credentials clears.
    CONTAIN_OP_CHECK_PARENT,
    /// Create `path` (mode arg) and write the NUL-terminated `data` into it: files the supervisor
    /// generates for the view (/etc/hosts of a brokered network), bound over their place afterwards.
    CONTAIN_OP_WRITE_FILE,
    /// open_tree(src, OPEN_TREE_CLONE|AT_RECURSIVE) into slot `arg`: bind sources are cloned while the
    /// child still has the launching user's kernel uid (before setresuid), so a root run can bind paths
    /// whose parents only root may traverse, without giving the sandbox uid any access to those parents.
    CONTAIN_OP_OPEN_TREE,
    /// Slot `arg` takes descriptor `arg2`, a detached tree the supervisor prepared and the child inherited
    /// (an idmapped workspace: only the supervisor, root on the host, may idmap); CONTAIN_OP_MOVE_MOUNT
    /// attaches it like one from CONTAIN_OP_OPEN_TREE.
    CONTAIN_OP_ADOPT_TREE,
    /// move_mount(slot `arg`, path): attach a tree cloned by CONTAIN_OP_OPEN_TREE; closes the slot.
    CONTAIN_OP_MOVE_MOUNT,
    /// Read the seccomp program from `filter_fd` (a `struct contain_filter_header`, then the instructions)
    /// into static storage and close the fd. The parent compiles while the child sets up, so this read
    /// may wait. A short read or EOF (the parent failed or died) is EPIPE, a malformed header EPROTO: the
    /// child stops there and never runs without its filter.
    CONTAIN_OP_RECEIVE_SECCOMP,
    /// unshare(arg): the namespaces a profile asks for besides the user, mount and pid namespaces the
    /// child is cloned into (ipc, uts, cgroup), created by the child itself, as it holds every capability
    /// in its new user namespace.
    CONTAIN_OP_UNSHARE,
};

/// The most instructions a filter may have (the kernel's BPF_MAXINSNS).
#define CONTAIN_MAX_FILTER 4096
/// `struct contain_filter_header.magic`: guards against a misaligned or foreign stream.
#define CONTAIN_FILTER_MAGIC 0x43534346u
/// `struct contain_filter_header.flags`: install with SECCOMP_FILTER_FLAG_NEW_LISTENER and hand it over.
#define CONTAIN_FILTER_WANT_LISTENER 1u

/// What the parent writes on the filter pipe before the `instructions` * 8 bytes of `struct sock_filter`.
struct contain_filter_header {
    uint32_t magic;
    uint32_t instructions;
    uint32_t flags;
    uint32_t reserved;
};

/// How many trees CONTAIN_OP_OPEN_TREE can hold (the parent refuses plans with more binds).
#define CONTAIN_MAX_TREES 1024

/// A step whose `path` (or `src`) does not exist is skipped instead of failing (ENOENT/ENOTDIR only).
#define CONTAIN_STEP_OPTIONAL 1u

struct contain_step {
    int32_t op;
    uint32_t flags;
    const char *path;
    const char *src;
    const char *fstype;
    const char *data;
    unsigned long mflags;
    uint64_t arg;
    uint64_t arg2;
};

/// A record on the report pipe. `step` >= 0: that step failed with `err` (errno). A listener hand-off
/// record has step == CONTAIN_REPORT_LISTENER and `err` holding the listener fd number; a plan the child
/// could not read, CONTAIN_REPORT_BAD_PLAN.
struct contain_report {
    int32_t step;
    int32_t err;
};
#define CONTAIN_REPORT_LISTENER (-2)
#define CONTAIN_REPORT_BAD_PLAN (-3)

struct contain_plan {
    const struct contain_step *steps;
    size_t nsteps;
    const char *exec_path;
    char *const *argv;
    char *const *envp;
    /// Child ends: read 1 byte after the id maps are written; report pipe write end; ack read end;
    /// init's status pipe write end (4 bytes: the server's raw wait status); the seccomp program's read
    /// end (see CONTAIN_OP_RECEIVE_SECCOMP; -1 when the plan installs no filter). Numbers in the
    /// supervisor: contain_send_plan passes the descriptors, and the child uses the numbers it got.
    int32_t sync_fd;
    int32_t report_fd;
    int32_t ack_fd;
    int32_t status_fd;
    int32_t filter_fd;
};

/// The namespaces the sandbox child is cloned into (user, mount, pid): the ones every profile has. The
/// others are steps (CONTAIN_OP_UNSHARE, CONTAIN_OP_NETNS_START), since the child exists before the
/// profile is read.
/// CLONE_NEWUSER 0x10000000 | CLONE_NEWNS 0x00020000 | CLONE_NEWPID 0x20000000, one literal so Swift sees it.
#define CONTAIN_CLONE_NAMESPACES 0x30020000UL

/// A sandbox child waiting for its plan: pid 1 of its own pid namespace, in new user and mount namespaces.
struct contain_waiting_child {
    /// In the caller's pid namespace; -1 when there is none.
    pid_t pid;
    /// A pidfd for it (owned by whoever took the child).
    int32_t pidfd;
    /// The socket contain_send_plan writes the plan to (owned likewise).
    int32_t plan_fd;
    /// Why there is none (errno of socketpair or clone), 0 when there is one or none was tried.
    int32_t err;
};

/// Clones a sandbox child that waits for its plan on `out->plan_fd` and runs it; it exits (125) if the
/// socket is closed without one. Returns 0, or an errno (also in out->err) with out->pid = -1.
/// Must be called from a thread that lives until the sandbox has exited (PR_SET_PDEATHSIG fires when the
/// creating thread exits); contain calls it from the main thread.
int contain_spawn_waiting(struct contain_waiting_child *out);

/// Called from the `contain` executable's constructor for the commands that launch a sandbox, before
/// Swift's main runs: clones the sandbox child while the process is small (a clone copies the caller's
/// page tables, and each page either side writes afterwards is copied again, ~0.25 ms per 8 MiB
/// measured), and lets the kernel build the child's namespaces while contain reads the profile. First it
/// undoes what a caller may leave across execve that would break a launch: a closed stdin/stdout/stderr
/// (filled with /dev/null, so that no descriptor contain makes takes their numbers and reaches the server
/// as its stdio) and an ignored SIGCHLD (the init could not be waited for). A failure to clone is kept
/// for contain_take_early_child to report.
void contain_early_spawn(void);

/// The child contain_early_spawn made, once (pid -1 afterwards, or if there was none; `err` says why
/// when its clone failed).
struct contain_waiting_child contain_take_early_child(void);

/// Sends `plan` to a waiting child: every descriptor the plan names goes along (SCM_RIGHTS), and every
/// pointer is flattened into one block (format: plan_wire.c). The caller keeps its own descriptors.
/// Returns 0 or an errno (E2BIG: more than 253 descriptors or 64 MiB; EPIPE: the child is gone).
/// C because it flattens C structs and builds an SCM_RIGHTS message; the child's half must be C.
int contain_send_plan(int plan_fd, const struct contain_plan *plan);

/// Supervisor side: SIGINT, SIGTERM and SIGHUP received by contain are sent on to `target` (the sandbox's
/// init, which forwards them to the server's process group), and unblocked on the calling thread, in case
/// contain's caller had blocked them. C because it is a signal handler.
void contain_forward_signals(pid_t target);

#ifdef __cplusplus
}
#endif
#endif
