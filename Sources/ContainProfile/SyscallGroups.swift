// The one table of syscall groups. Names and contents follow systemd's SystemCallFilter= sets
// (systemd.exec(5)), so people who know those know these. A member may be another group ("@clock").
// Members libseccomp does not know for the native architecture (32-bit variants such as `fstat64`,
// other architectures' calls such as `cacheflush`) are dropped when the group is expanded, never an error:
// the table is written once for every architecture.
//
// Differences from systemd, on purpose:
// - `@aio` leaves out io_uring_*; they are `@io-uring` and also need `allow_io_uring: true`, because io_uring
//   performs I/O that the seccomp filter never sees.

public struct SyscallGroup: Sendable {
    public let name: String
    public let summary: String
    /// Syscall names and "@group" references, as written in the table.
    public let members: [String]
}

public enum SyscallGroups {
    public static let table: [SyscallGroup] = [
        SyscallGroup(name: "@default", summary: "Calls every process needs (memory, exit, time, ids); always allowed by `@system-service`", members: [
            "arch_prctl", "brk", "cacheflush", "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64",
            "clock_nanosleep", "clock_nanosleep_time64", "execve", "exit", "exit_group", "futex", "futex_time64",
            "futex_waitv", "get_robust_list", "get_thread_area", "getegid", "getegid32", "geteuid", "geteuid32",
            "getgid", "getgid32", "getgroups", "getgroups32", "getpgid", "getpgrp", "getpid", "getppid", "getrandom",
            "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getsid", "gettid", "gettimeofday",
            "getuid", "getuid32", "lsm_get_self_attr", "lsm_list_modules", "membarrier", "mmap", "mmap2", "mprotect",
            "munmap", "nanosleep", "pause", "prlimit64", "restart_syscall", "riscv_flush_icache", "riscv_hwprobe",
            "rseq", "rt_sigreturn", "sched_getaffinity", "sched_yield", "set_robust_list", "set_thread_area",
            "set_tid_address", "set_tls", "sigreturn", "time", "ugetrlimit", "uretprobe",
        ]),
        SyscallGroup(name: "@aio", summary: "Asynchronous I/O (io_setup/io_submit); io_uring is separate, see @io-uring", members: [
            "io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "io_setup", "io_submit",
        ]),
        SyscallGroup(name: "@io-uring", summary: "io_uring (also needs `allow_io_uring: true`: its I/O bypasses seccomp)", members: [
            "io_uring_enter", "io_uring_register", "io_uring_setup",
        ]),
        SyscallGroup(name: "@basic-io", summary: "Reading, writing, seeking and closing file descriptors", members: [
            "_llseek", "close", "close_range", "dup", "dup2", "dup3", "lseek", "pread64", "preadv", "preadv2",
            "pwrite64", "pwritev", "pwritev2", "read", "readv", "write", "writev",
        ]),
        SyscallGroup(name: "@chown", summary: "Changing file ownership", members: [
            "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32",
        ]),
        SyscallGroup(name: "@clock", summary: "Setting the system clock", members: [
            "adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64", "settimeofday",
        ]),
        SyscallGroup(name: "@cpu-emulation", summary: "CPU emulation (vm86, LDT changes)", members: [
            "modify_ldt", "subpage_prot", "switch_endian", "vm86", "vm86old",
        ]),
        SyscallGroup(name: "@debug", summary: "Debugging, tracing, performance monitoring and taking other processes' fds", members: [
            "lookup_dcookie", "perf_event_open", "pidfd_getfd", "ptrace", "rtas", "s390_runtime_instr", "sys_debug_setcontext",
        ]),
        SyscallGroup(name: "@file-system", summary: "File system access: open, stat, create, rename, link, xattrs, inotify", members: [
            "access", "chdir", "chmod", "close", "creat", "faccessat", "faccessat2", "fallocate", "fchdir", "fchmod",
            "fchmodat", "fchmodat2", "fcntl", "fcntl64", "fgetxattr", "flistxattr", "fremovexattr", "fsetxattr", "fstat",
            "fstat64", "fstatat64", "fstatfs", "fstatfs64", "ftruncate", "ftruncate64", "futimesat", "getcwd", "getdents",
            "getdents64", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
            "lgetxattr", "link", "linkat", "listxattr", "listxattrat", "llistxattr", "lremovexattr", "lsetxattr", "lstat",
            "lstat64", "mkdir", "mkdirat", "mknod", "mknodat", "mmap", "mmap2", "munmap", "newfstatat", "oldfstat",
            "oldlstat", "oldstat", "open", "openat", "openat2", "readlink", "readlinkat", "removexattr", "removexattrat",
            "rename", "renameat", "renameat2", "rmdir", "setxattr", "setxattrat", "stat", "stat64", "statfs", "statfs64",
            "statx", "symlink", "symlinkat", "truncate", "truncate64", "unlink", "unlinkat", "utime", "utimensat",
            "utimensat_time64", "utimes",
        ]),
        SyscallGroup(name: "@io-event", summary: "Waiting for events on file descriptors (poll, select, epoll, eventfd)", members: [
            "_newselect", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2",
            "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "poll", "ppoll", "ppoll_time64", "pselect6",
            "pselect6_time64", "select",
        ]),
        SyscallGroup(name: "@ipc", summary: "Pipes, SysV IPC, POSIX message queues, memfd, cross-process memory access", members: [
            "ipc", "memfd_create", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
            "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "msgctl", "msgget", "msgrcv", "msgsnd", "pipe", "pipe2",
            "process_madvise", "process_vm_readv", "process_vm_writev", "semctl", "semget", "semop", "semtimedop",
            "semtimedop_time64", "shmat", "shmctl", "shmdt", "shmget",
        ]),
        SyscallGroup(name: "@keyring", summary: "The kernel keyring", members: [
            "add_key", "keyctl", "request_key",
        ]),
        SyscallGroup(name: "@memlock", summary: "Locking memory into RAM", members: [
            "mlock", "mlock2", "mlockall", "munlock", "munlockall",
        ]),
        SyscallGroup(name: "@module", summary: "Loading and unloading kernel modules", members: [
            "delete_module", "finit_module", "init_module",
        ]),
        SyscallGroup(name: "@mount", summary: "Mounting, unmounting and changing the root directory", members: [
            "chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr", "move_mount", "open_tree",
            "pivot_root", "umount", "umount2",
        ]),
        SyscallGroup(name: "@network-io", summary: "Sockets: create, connect, bind, listen, send, receive", members: [
            "accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt", "listen", "recv",
            "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "send", "sendmmsg", "sendmsg", "sendto", "setsockopt",
            "shutdown", "socket", "socketcall", "socketpair",
        ]),
        SyscallGroup(name: "@obsolete", summary: "Unusual, obsolete or unimplemented calls", members: [
            "_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime", "get_kernel_syms", "getpmsg", "gtty",
            "idle", "lock", "mpx", "prof", "profil", "putpmsg", "query_module", "security", "sgetmask", "ssetmask",
            "stime", "stty", "sysfs", "tuxcall", "ulimit", "uselib", "ustat", "vserver",
        ]),
        SyscallGroup(name: "@pkey", summary: "Memory protection keys", members: [
            "pkey_alloc", "pkey_free", "pkey_mprotect",
        ]),
        SyscallGroup(name: "@privileged", summary: "Calls that need privileges (capabilities) to succeed", members: [
            "@chown", "@clock", "@module", "@raw-io", "@reboot", "@swap", "_sysctl", "acct", "bpf", "capset", "chroot",
            "fanotify_init", "fanotify_mark", "nfsservctl", "open_by_handle_at", "pivot_root", "quotactl", "quotactl_fd",
            "setdomainname", "setfsuid", "setfsuid32", "setgroups", "setgroups32", "sethostname", "setresuid",
            "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32", "vhangup",
        ]),
        SyscallGroup(name: "@process", summary: "Creating, signalling, waiting for and inspecting processes", members: [
            "capget", "clone", "clone3", "execveat", "fork", "getrusage", "kill", "pidfd_open", "pidfd_send_signal",
            "prctl", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "setns", "swapcontext", "tgkill", "times", "tkill",
            "unshare", "vfork", "wait4", "waitid", "waitpid",
        ]),
        SyscallGroup(name: "@raw-io", summary: "Raw I/O port and PCI configuration access", members: [
            "ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "s390_pci_mmio_read",
            "s390_pci_mmio_write",
        ]),
        SyscallGroup(name: "@reboot", summary: "Rebooting and loading a new kernel", members: [
            "kexec_file_load", "kexec_load", "reboot",
        ]),
        SyscallGroup(name: "@resources", summary: "Changing scheduling, memory policy and resource limits", members: [
            "ioprio_set", "mbind", "migrate_pages", "move_pages", "nice", "sched_setaffinity", "sched_setattr",
            "sched_setparam", "sched_setscheduler", "set_mempolicy", "set_mempolicy_home_node", "setpriority", "setrlimit",
        ]),
        SyscallGroup(name: "@sandbox", summary: "Setting up sandboxes (seccomp, Landlock)", members: [
            "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "seccomp",
        ]),
        SyscallGroup(name: "@setuid", summary: "Changing user and group ids", members: [
            "setgid", "setgid32", "setgroups", "setgroups32", "setregid", "setregid32", "setresgid", "setresgid32",
            "setresuid", "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32",
        ]),
        SyscallGroup(name: "@signal", summary: "Signal handlers, masks and signalfd", members: [
            "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigsuspend", "rt_sigtimedwait",
            "rt_sigtimedwait_time64", "sigaction", "sigaltstack", "signal", "signalfd", "signalfd4", "sigpending",
            "sigprocmask", "sigsuspend",
        ]),
        SyscallGroup(name: "@swap", summary: "Enabling and disabling swap", members: [
            "swapoff", "swapon",
        ]),
        SyscallGroup(name: "@sync", summary: "Flushing file data to storage", members: [
            "fdatasync", "fsync", "msync", "sync", "sync_file_range", "sync_file_range2", "syncfs",
        ]),
        SyscallGroup(name: "@timer", summary: "Timers and alarms", members: [
            "alarm", "getitimer", "setitimer", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
            "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create", "timerfd_gettime",
            "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times",
        ]),
        SyscallGroup(name: "@system-service", summary: "What an ordinary service needs: a sensible allowlist base", members: [
            "@aio", "@basic-io", "@chown", "@default", "@file-system", "@io-event", "@ipc", "@keyring", "@memlock",
            "@network-io", "@process", "@resources", "@setuid", "@signal", "@sync", "@timer", "arm_fadvise64_64",
            "capget", "capset", "copy_file_range", "fadvise64", "fadvise64_64", "flock", "get_mempolicy", "getcpu",
            "getpriority", "ioctl", "ioprio_get", "kcmp", "madvise", "mremap", "name_to_handle_at", "oldolduname",
            "olduname", "personality", "readahead", "readdir", "remap_file_pages", "sched_get_priority_max",
            "sched_get_priority_min", "sched_getattr", "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
            "sched_rr_get_interval_time64", "sched_yield", "sendfile", "sendfile64", "setfsgid", "setfsgid32",
            "setfsuid", "setfsuid32", "setpgid", "setsid", "splice", "sysinfo", "tee", "umask", "uname", "userfaultfd",
            "vmsplice",
        ]),
    ]

    public static let byName: [String: SyscallGroup] = {
        var d: [String: SyscallGroup] = [:]
        for g in table { d[g.name] = g }
        return d
    }()

    public static var names: [String] { table.map(\.name).sorted() }

    /// A group by name: a scan of ~30 short names costs less than building (and hashing into) `byName`
    /// on the start-up path.
    static func group(named name: String) -> SyscallGroup? {
        table.first { $0.name == name }
    }

    /// The native syscalls of a group, groups inside it expanded, sorted; nil for an unknown group.
    public static func expand(_ name: String) -> [String]? {
        guard let g = group(named: name) else { return nil }
        // Every member list is sorted and free of duplicates (a test holds the table to that), so the
        // expansion is a merge of sorted lists: no set of strings and no sort on every profile load.
        var merged: [String] = []
        var seen: [String] = []
        collect(g, into: &merged, seen: &seen)
        return merged.filter { SyscallNames.isNative($0) }
    }

    private static func collect(_ g: SyscallGroup, into merged: inout [String], seen: inout [String]) {
        // `seen` guards against a cycle in the table itself (a test also forbids one).
        guard !seen.contains(g.name) else { return }
        seen.append(g.name)
        var calls: [String] = []
        calls.reserveCapacity(g.members.count)
        for m in g.members {
            if m.hasPrefix("@") {
                if let inner = group(named: m) { collect(inner, into: &merged, seen: &seen) }
            } else {
                calls.append(m)
            }
        }
        merged = mergeSorted(merged, calls)
    }

    /// The union of two sorted, duplicate-free lists, sorted and duplicate-free.
    static func mergeSorted(_ a: [String], _ b: [String]) -> [String] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out: [String] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] < b[j] { out.append(a[i]); i += 1 }
            else if b[j] < a[i] { out.append(b[j]); j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }
}
