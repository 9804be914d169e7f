// Observation -> a profile value with comments and a review list: the environment wall's filesystem,
// network and syscall sections, and the transport wall's `mcp` section.

import ContainProfile

public struct LearnOptions: Sendable {
    public var workspace: String
    public var home: String
    /// Directories writable while learning; writes elsewhere failed and are not granted. Default: the workspace.
    public var writableRoots: [String]?
    /// Syscalls the learning filter let through without a notification: they are always in the profile.
    public var untrappedSyscalls: [String]
    /// `--env NAME[=VALUE]` as given to `contain learn`.
    public var env: [(name: String, value: String?)]
    /// The command that was learned (for the header).
    public var command: [String]
    public var facts: any PathFacts

    public init(workspace: String, home: String, writableRoots: [String]? = nil,
                untrappedSyscalls: [String] = LearnDefaults.untrappedSyscalls,
                env: [(name: String, value: String?)] = [], command: [String] = [], facts: any PathFacts = HostPathFacts()) {
        self.workspace = workspace; self.home = home; self.writableRoots = writableRoots
        self.untrappedSyscalls = untrappedSyscalls; self.env = env; self.command = command; self.facts = facts
    }
}

public struct LearnedProfile: Sendable {
    public var profile: Profile
    public var annotations: ProfileAnnotations
    /// What was seen, one line per kind, for the report at the end of learning.
    public var seen: [String]
}

public enum LearnDefaults {
    /// Frequent calls that name no path, reach no one and change no privilege: the learning filter lets
    /// them through untraced (a notification per `read` would make learning slower than strace), and every
    /// learned profile allows them. Path-bearing and networking calls are never in this list.
    public static let untrappedSyscalls: [String] = [
        "read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close", "fstat", "fcntl", "dup", "dup2",
        "dup3", "getdents64", "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "futex", "sched_yield",
        "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "nanosleep", "clock_nanosleep",
        "clock_gettime", "clock_getres", "gettimeofday", "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid",
        "getegid", "getrandom", "exit", "exit_group", "restart_syscall", "set_robust_list", "get_robust_list",
        "set_tid_address", "rseq", "poll", "ppoll", "select", "pselect6", "epoll_wait", "epoll_pwait", "epoll_pwait2",
        "epoll_ctl", "recvfrom", "recvmsg", "getsockopt", "getsockname", "getpeername", "wait4", "waitid",
        "sched_getaffinity", "prlimit64", "getrlimit", "uname", "arch_prctl", "umask", "getcwd", "pipe2", "pipe",
        "eventfd2", "epoll_create1", "timerfd_settime", "timerfd_create",
    ]
}

public enum ProfileLearner {
    /// Syscalls worth a second look when a workload made them.
    static let reviewSyscalls: Set<String> = [
        "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "unshare",
        "setns", "bpf", "perf_event_open", "init_module", "finit_module", "delete_module", "kexec_load",
        "kexec_file_load", "reboot", "seccomp", "landlock_create_ruleset", "landlock_add_rule",
        "landlock_restrict_self", "keyctl", "add_key", "request_key", "userfaultfd", "io_uring_setup",
        "open_by_handle_at", "name_to_handle_at", "fsopen", "fsmount", "move_mount", "open_tree", "setuid", "setgid",
        "setresuid", "setresgid", "setgroups", "capset", "pidfd_getfd", "kcmp", "iopl", "ioperm", "personality",
        "memfd_create", "execveat",
    ]

    static let fallbacks: [(String, String)] = [("clone3", "clone")]

    public static func learn(_ s: ObservationSnapshot, options o: LearnOptions) -> LearnedProfile {
        var p = Profile()
        var a = ProfileAnnotations()
        var review: [String] = []
        var seen: [String] = []
        let workspace = LexicalPath.normalize(o.workspace)

        // Filesystem.
        let fsLearner = FilesystemLearner(workspace: workspace, home: o.home, writableRoots: o.writableRoots, facts: o.facts)
        let fs = fsLearner.learn(s.files)
        for e in fs.entries {
            if e.access.contains(.write) { p.environment.filesystem.write.append(e.path) }
            if e.access.contains(.execute) { p.environment.filesystem.execute.append(e.path) }
            if !e.access.contains(.write) && !e.access.contains(.execute) { p.environment.filesystem.read.append(e.path) }
            a.entries["fs:" + e.path] = e.note
        }
        review += fs.review
        if !s.unresolvedPaths.isEmpty {
            let list = s.unresolvedPaths.keys.sorted().prefix(5).joined(separator: ", ")
            review.append("\(s.unresolvedPaths.count) path(s) could not be resolved to absolute paths (e.g. \(list)); they are not in the profile")
        }
        seen.append("files: \(s.files.count) paths -> \(fs.entries.count) filesystem entries" + (fs.usedPrivateTmp ? " (and the sandbox's private /tmp)" : ""))
        a.sections["environment.filesystem"] = [
            "Files and directories the workload used. Trees read as a whole (an interpreter's library, a venv)",
            "are collapsed to their root; other files are listed one by one. /proc, /dev and /tmp are the sandbox's own.",
        ]

        // Network.
        var dests: [NetworkDestination] = []
        var byAddress = false
        for (text, n) in s.connects.sorted(by: { $0.key < $1.key }) {
            guard let addr = NetworkAddress.parse(text) else { continue }
            if addr.isLoopback && s.boundPorts.contains(addr.port) { continue } // the sandbox's own listener
            dests.append(NetworkDestination(host: addr.host, port: addr.port))
            a.entries["net:" + NetworkDestination(host: addr.host, port: addr.port).description] = "seen: \(n) connect\(n == 1 ? "" : "s")"
            if !addr.isLoopback { byAddress = true }
        }
        p.environment.network = dests.isEmpty ? .none : .allow(dests)
        if byAddress {
            review.append("network destinations were learned as addresses; if they belong to a host name, write the name instead (contain resolves allowed names itself)")
        }
        for (name, n) in s.abstractSockets.sorted(by: { $0.key < $1.key }).prefix(8) {
            review.append("connected to abstract unix socket \(name) (\(n)x): it is outside the sandbox's network namespace and will fail")
        }
        seen.append("network: \(dests.count) destination\(dests.count == 1 ? "" : "s")")

        // Environment variables.
        for (name, value) in o.env {
            if let value, !Self.looksSecret(name) {
                p.environment.env.set[name] = value
            } else if !p.environment.env.keep.contains(name) {
                p.environment.env.keep.append(name)
                if value != nil { review.append("--env \(name) looks like a secret: the profile passes it through (env.keep) instead of storing its value") }
            }
        }

        // Syscalls.
        var allow = Set(o.untrappedSyscalls.filter { SyscallNames.isNative($0) })
        allow.formUnion(["execve", "exit_group"])
        var unknown: [String] = []
        for (name, n) in s.syscalls {
            guard SyscallNames.isNative(name) else { unknown.append(name); continue }
            allow.insert(name)
            let exes = (s.syscallExes[name] ?? []).map(LexicalPath.lastComponent)
            a.entries["syscall:" + name] = "seen: \(n) call\(n == 1 ? "" : "s")" + (exes.isEmpty ? "" : " (\(exes.joined(separator: ", ")))")
        }
        for name in o.untrappedSyscalls where s.syscalls[name] == nil {
            a.entries["syscall:" + name] = "base: not traced while learning"
        }
        // Calls an enforcing filter answers differently from the learning one: clone3 gets ENOSYS there
        // (its flags live in memory seccomp cannot read), so libc falls back to clone.
        for (seenCall, fallback) in Self.fallbacks where allow.contains(seenCall) && !allow.contains(fallback) {
            allow.insert(fallback)
            a.entries["syscall:" + fallback] = "fallback of \(seenCall), which the filter answers with ENOSYS"
        }
        var sc = SyscallPolicy()
        sc.allow = allow.sorted()
        let (groups, _) = SyscallRegrouper.regroup(sc.allow, allowIOUring: true)
        for g in groups { a.entries["syscall:" + g] = "every member used or untraced" }
        if !unknown.isEmpty {
            review.append("syscalls this libseccomp cannot name were made: \(unknown.sorted().joined(separator: ", ")); they stay denied")
        }
        for name in s.syscalls.keys.sorted() where reviewSyscalls.contains(name) {
            let who = (s.syscallExes[name] ?? []).joined(separator: ", ")
            review.append("the workload called \(name) (\(s.syscalls[name] ?? 0)x\(who.isEmpty ? "" : ", by \(who)")): allowed; make sure it should")
        }
        let families = s.socketFamilies.keys.filter { SocketFamilies.number($0) != nil }
        sc.socketFamilies = SocketFamilies.table.map(\.0).filter { families.contains($0) }
        for f in s.socketFamilies.keys where SocketFamilies.number(f) == nil {
            review.append("socket family \(f) was used; the profile cannot name it, so it stays refused")
        }
        a.entries["socket_families"] = sc.socketFamilies.isEmpty ? "no sockets created" : "seen: " + sc.socketFamilies.map { "\($0) (\(s.socketFamilies[$0] ?? 0))" }.joined(separator: ", ")
        var nsFlags = s.cloneFlags.keys.filter { $0.hasPrefix("CLONE_NEW") }.sorted()
        if s.syscalls["setns"] != nil { nsFlags.append("setns") }
        if !nsFlags.isEmpty {
            sc.allowNamespaceCreation = true
            a.entries["allow_namespaces"] = "seen: " + nsFlags.joined(separator: ", ")
            review.append("the workload created namespaces (\(nsFlags.joined(separator: ", "))): allow_namespaces is on")
        }
        if s.syscalls.keys.contains(where: { $0.hasPrefix("io_uring_") }) {
            sc.allowIOUring = true
            a.entries["allow_io_uring"] = "the workload used io_uring"
            review.append("the workload used io_uring, whose I/O the seccomp filter cannot see: allow_io_uring is on")
        }
        for req in ["TIOCSTI", "TIOCLINUX"] where s.ioctlRequests[req] != nil {
            review.append("the workload used ioctl \(req) (terminal input injection); contain refuses it in every profile")
        }
        var syscallNotes = ["Syscalls seen after the server's execve: contain's own setup runs before the filter exists and is never counted."]
        if !s.ioctlRequests.isEmpty {
            syscallNotes.append("ioctl requests seen: " + Self.top(s.ioctlRequests, 12))
        }
        if !s.prctlOptions.isEmpty {
            syscallNotes.append("prctl options seen: " + Self.top(s.prctlOptions, 12))
        }
        if !s.cloneFlags.isEmpty {
            syscallNotes.append("clone flags seen: " + Self.top(s.cloneFlags, 12))
        }
        a.sections["environment.syscalls"] = syscallNotes
        p.environment.syscalls = sc
        let traced = s.syscalls.values.reduce(0, +)
        seen.append("syscalls: \(s.syscalls.count) distinct traced (\(traced) calls) + \(o.untrappedSyscalls.count) untraced base calls")

        // Transport wall.
        if s.tools.isEmpty {
            review.append("no tool calls were seen: the profile has no mcp section (no transport wall); drive the server through its work while learning to get one")
            seen.append("tools: none called")
        } else {
            let m = MCPLearner(workspace: workspace, home: o.home).learn(s.tools)
            p.mcp = m.policy
            a.entries.merge(m.entries) { x, _ in x }
            a.sections.merge(m.sections) { x, _ in x }
            review += m.review
            let calls = s.tools.values.reduce(0) { $0 + $1.calls }
            seen.append("tools: \(s.tools.count) used (\(calls) calls), \(m.policy.commands.count) command rule(s), \(m.policy.paths.count) path rule(s), \(m.policy.kubernetes.count) kubernetes rule(s)")
        }
        for (what, n) in s.refused.sorted(by: { $0.key < $1.key }).prefix(8) {
            review.append("refused even while learning: \(what) (\(n)x)")
        }

        a.header = [
            "Learned by `contain learn`" + (o.command.isEmpty ? "" : " from: " + o.command.joined(separator: " ")),
            "Everything below was seen in one run; anything the run did not do is refused. Read the review list at the end.",
        ]
        a.description = "learned profile" + (o.command.first.map { " for " + LexicalPath.lastComponent($0) } ?? "")
        a.review = review
        return LearnedProfile(profile: p, annotations: a, seen: seen)
    }

    static func looksSecret(_ name: String) -> Bool {
        let u = name.uppercased()
        return ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "APIKEY", "API_KEY", "CREDENTIAL", "PRIVATE", "AUTH"].contains { u.contains($0) }
    }

    static func top(_ counts: [String: Int], _ n: Int) -> String {
        let sorted = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var parts = sorted.prefix(n).map { "\($0.key) (\($0.value))" }
        if sorted.count > n { parts.append("...") }
        return parts.joined(separator: ", ")
    }
}
