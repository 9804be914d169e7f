// Profile + command + workspace -> SandboxPlan. All decisions are made here, in the parent: which
// namespaces, which uid the sandbox really runs as, the filesystem view, Landlock rights for this kernel,
// rlimits, the scrubbed environment, and the order of every step the child runs.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ContainAudit
import ContainProfile

/// How the server's stdin/stdout are connected.
public enum StdioWiring: Sendable, Equatable {
    /// The server gets contain's own stdin/stdout/stderr.
    case inherit
    /// dup2 these descriptors onto the server's 0 and 1 (the transport wall sits on the other ends).
    case pipes(stdin: Int32, stdout: Int32)
}

public struct LaunchRequest: Sendable {
    public var profile: Profile
    public var command: [String]
    public var workspace: String
    /// `--env NAME` / `--env NAME=VALUE`.
    public var extraEnv: [String]
    public var stdio: StdioWiring
    /// Install a seccomp filter (the program bytes are handed to the launcher separately).
    public var seccomp: Bool
    /// Files generated for the view (e.g. /etc/hosts and /etc/resolv.conf of a brokered network):
    /// path inside the sandbox -> content, bound read-only.
    public var generatedFiles: [(path: String, content: String)]
    public init(profile: Profile, command: [String], workspace: String, extraEnv: [String] = [],
                stdio: StdioWiring = .inherit, seccomp: Bool, generatedFiles: [(path: String, content: String)] = []) {
        self.profile = profile; self.command = command; self.workspace = workspace
        self.extraEnv = extraEnv; self.stdio = stdio; self.seccomp = seccomp; self.generatedFiles = generatedFiles
    }
}

public enum PlanError: Error, Sendable, CustomStringConvertible {
    case commandMissing
    case runtime(RuntimeError)
    case view(ViewError)
    case unsupported(what: String, fix: String)
    case invalid(String)

    public var description: String {
        switch self {
        case .commandMissing: return "no command given: contain run --profile P -- CMD [ARGS...]"
        case .runtime(let e): return e.description
        case .view(let e): return e.description
        case .unsupported(let what, let fix): return "\(what); \(fix)"
        case .invalid(let s): return s
        }
    }

    /// 127 for a command that cannot be found, 126 for one that is not executable, else 125.
    public var exitStatus: Int32 {
        switch self {
        case .runtime(.notFound): return 127
        case .runtime(.notExecutable): return 126
        default: return 125
        }
    }
}

public enum PlanBuilder {
    /// Securebits for the server: uid 0 gets no capabilities on execve, no fix-ups on uid change, no
    /// ambient raising; all locked (SECBIT_NOROOT, _NO_SETUID_FIXUP, _KEEP_CAPS_LOCKED,
    /// _NO_CAP_AMBIENT_RAISE, each with its lock bit).
    static let securebits: UInt64 = 0b1110_1111

    public static func build(_ req: LaunchRequest, audit: AuditLog,
                             landlockABI: Int = Sys.landlockABI()) throws(PlanError) -> SandboxPlan {
        guard let argv0 = req.command.first, !argv0.isEmpty else { throw .commandMissing }
        let env = req.profile.environment
        let fs = env.filesystem
        let bestEffort = req.profile.bestEffort
        let workspace = SandboxPath.normalize(req.workspace)

        for name in req.extraEnv {
            let n = name.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            guard EnvironmentScrubber.isValidName(n) else { throw .invalid("--env \(name): not a valid variable name") }
        }
        let vars = EnvironmentScrubber.build(keep: env.env.keep, set: env.env.set, extra: req.extraEnv,
                                             from: EnvironmentScrubber.current())
        let searchPath = vars["PATH"] ?? EnvironmentScrubber.fallbackPath

        let runtime: RuntimeResolution
        // A relative CMD means what it means to the shell that typed it: relative to contain's directory.
        let callerDirectory = Sys.currentDirectory() ?? workspace
        let writable = fs.write.map { SandboxPath.normalize($0) }
        let isWritable: (String) -> Bool = { p in writable.contains { SandboxPath.isWithin(SandboxPath.normalize(p), $0) } }
        do {
            runtime = try RuntimeResolver.resolve(argv0, searchPath: searchPath, cwd: callerDirectory, isWritable: isWritable)
        } catch { throw .runtime(error) }
        if fs.runtime {
            for (p, reason) in runtime.refused {
                audit.note("runtime: not adding \(p) (\(reason)): it was found through a file the server can write, and it is not an interpreter installation")
            }
        }

        // Namespaces: user, mount and pid are what the wall is built on; they cannot be turned off.
        for ns in [Namespace.user, .mount, .pid] where !env.namespaces.contains(ns) {
            throw .unsupported(what: "environment.namespaces without \(ns.rawValue)",
                               fix: "the environment wall needs user, mount and pid namespaces; add \(ns.rawValue) back")
        }
        // The child is cloned into those three before the profile is read (contain_early_spawn); the
        // others the profile asks for it creates itself, first thing (CONTAIN_OP_UNSHARE).
        var unshare: UInt64 = 0
        if env.namespaces.contains(.ipc) { unshare |= CloneFlag.newipc }
        if env.namespaces.contains(.uts) { unshare |= CloneFlag.newuts }
        if env.namespaces.contains(.cgroup) { unshare |= CloneFlag.newcgroup }
        // The network namespace is not a clone flag: the child creates it in a helper process while it
        // builds the view (CONTAIN_OP_NETNS_START/_JOIN), since it costs as much as all the others together.
        let newNet = env.network != .host
        if env.network == .host { audit.note("network: host: the server shares the host's network") }

        let workspaceStat = Sys.stat(workspace)
        let ids = idMapping(workspace: workspaceStat, rootMapsTo: env.rootMapsTo)
        // contain runs as root and the workspace is root's: the server still never holds host root, so the
        // workspace is bound idmapped (below) for it to be writable; a parent bound writable is not.
        let rootOwnedWorkspace = Sys.euid == 0 && workspaceStat?.st_uid == 0
        let workspaceBoundWritable = fs.write.contains { SandboxPath.normalize($0) == workspace }
        if rootOwnedWorkspace && !workspaceBoundWritable
            && fs.write.contains(where: { SandboxPath.isWithin(workspace, SandboxPath.normalize($0)) }) {
            audit.note("workspace \(workspace) is owned by root; the server runs as host uid \(ids.hostUID), never root, so it can write there only what that uid may: list the workspace itself under filesystem.write, or chown it to the user the server should write as")
        }

        // Filesystem view.
        var entries: [ViewEntry] = []
        entries += fs.read.map { ViewEntry(path: $0, access: .read, runtime: false) }
        entries += fs.execute.map { ViewEntry(path: $0, access: .execute, runtime: false) }
        entries += fs.write.map { ViewEntry(path: $0, access: .write, runtime: false) }
        var added: [String] = []
        if fs.runtime {
            let profilePaths = entries.map { SandboxPath.normalize($0.path) }
            let additions = runtime.additions.map { (SandboxPath.normalize($0.path), $0.reason) }
            for (p, _) in additions { entries.append(ViewEntry(path: p, access: .execute, runtime: true)) }
            // Noted once per top-most new path: the venv, not each file inside it.
            for (p, reason) in additions.sorted(by: { SandboxPath.depth($0.0) < SandboxPath.depth($1.0) })
            where !profilePaths.contains(where: { SandboxPath.isWithin(p, $0) })
                && !added.contains(where: { SandboxPath.isWithin(p, $0) }) {
                added.append(p)
                audit.note("runtime: added \(p) read-only (\(reason))")
            }
        }
        let view: ViewPlan
        do {
            view = try ViewBuilder(filesystem: .init(privateTmp: fs.privateTmp, minimalDev: fs.dev == .minimal, proc: fs.proc),
                                   entries: entries, deny: fs.deny, generated: req.generatedFiles).build()
        } catch { throw .view(error) }
        for n in view.notes { audit.note(n) }

        var prelude = view.prelude
        if rootOwnedWorkspace && workspaceBoundWritable,
           let i = prelude.firstIndex(where: { $0.op == .openTree && $0.src.map(SandboxPath.normalize) == workspace }) {
            // Tried once here, so that a filesystem which cannot be idmapped keeps the plain bind with a note;
            // the launcher makes the tree the child adopts, one per launch (a tree can be attached once).
            switch Sys.idmappedTree(workspace, uid: ids.hostUID, gid: ids.hostGID) {
            case .success(let fd):
                Sys.close(fd)
                prelude[i] = PlanStep(.adoptTree, prelude[i].name, src: workspace, arg: prelude[i].arg,
                                      fix: "the supervisor could not bind the root-owned workspace idmapped; chown the workspace to the user the server should write as")
                audit.note("workspace \(workspace) is owned by root: bound idmapped, so the server (host uid \(ids.hostUID), never root) writes there as its owner, and what it creates is owned by root on the host")
            case .failure(let f):
                // Fail closed: the plain bind stays, and the server cannot write what host uid X may not.
                audit.note("workspace \(workspace) is owned by root and could not be bound idmapped (\(f)); the server runs as host uid \(ids.hostUID), never root, so it can write there only what that uid may: chown the workspace to the user the server should write as")
            }
        }

        var steps: [PlanStep] = []
        steps.append(PlanStep(.pdeathsig, "set parent-death signal", arg: UInt64(SIGKILL)))
        if unshare != 0 {
            steps.append(PlanStep(.unshare, "create the \(CloneFlag.names(unshare)) namespace\(unshare.nonzeroBitCount > 1 ? "s" : "")", arg: unshare,
                                  fix: "the kernel refused a namespace the profile asks for; run `contain doctor`, or leave it out of environment.namespaces"))
        }
        if newNet {
            steps.append(PlanStep(.netnsStart, "start creating the network namespace"))
        }
        steps.append(PlanStep(.waitParent, "wait for the uid/gid maps"))
        steps += prelude
        steps.append(PlanStep(.setresgid, "become gid 0 in the user namespace", arg: 0))
        if !ids.denySetgroups { steps.append(PlanStep(.setgroupsEmpty, "drop supplementary groups")) }
        steps.append(PlanStep(.setresuid, "become uid 0 in the user namespace", arg: 0))
        // A change of credentials clears the parent-death signal (root runs change the kernel uid here).
        steps.append(PlanStep(.pdeathsig, "set parent-death signal", arg: UInt64(SIGKILL)))
        steps.append(PlanStep(.checkParent, "check that the supervisor is alive"))
        steps += view.steps
        if env.namespaces.contains(.uts) { steps.append(PlanStep(.sethostname, "set hostname", src: "contain")) }
        if newNet {
            steps.append(PlanStep(.netnsJoin, "create the network namespace and bring up loopback",
                                  fix: "the kernel refused a new network namespace; run `contain doctor`, or use network: host (no network isolation)"))
        }
        steps.append(PlanStep(.forkInit, "start the sandbox init"))

        // The server process.
        steps.append(PlanStep(.setsid, "setsid"))
        for (name, resource, value) in limits(env.limits) {
            let (_, hard) = Sys.rlimit(resource)
            var v = value
            if v > hard {
                audit.note("limits.\(name): \(value) is above this process's hard limit \(hard); using \(hard)")
                v = hard
            }
            steps.append(PlanStep(.setrlimit, "set rlimit \(name)", arg: UInt64(resource), arg2: v))
        }
        if case .pipes(let i, let o) = req.stdio {
            steps.append(PlanStep(.dup2, "connect the server's stdin", arg: UInt64(i), arg2: 0))
            steps.append(PlanStep(.dup2, "connect the server's stdout", arg: UInt64(o), arg2: 1))
        }
        steps.append(PlanStep(.cloexecFrom3, "close inherited descriptors"))
        steps.append(PlanStep(.chdir, "chdir \(workspace)", path: workspace,
                              fix: "the workspace must be inside the view: list it under filesystem.write (\"${WORKSPACE}\")"))
        steps.append(PlanStep(.noNewPrivs, "set no_new_privs"))

        if landlockABI >= 1 {
            let rights = LandlockRights(abi: landlockABI, handleNetwork: newNet)
            steps.append(PlanStep(.landlockCreate, "create Landlock ruleset (ABI \(landlockABI))",
                                  mountFlags: UInt(rights.scoped), arg: rights.handledFS, arg2: rights.handledNet))
            for (path, r) in view.landlockRules {
                steps.append(PlanStep(.landlockPath, "Landlock rule \(path)", path: path, arg: r & rights.handledFS, optional: true))
            }
            steps.append(PlanStep(.landlockEnforce, "enforce Landlock"))
            if landlockABI < 6 {
                audit.note("landlock: ABI \(landlockABI) cannot scope abstract unix sockets and signals (needs 6); the network and pid namespaces still separate them")
            }
        } else if bestEffort {
            audit.note("landlock: not available on this kernel; the filesystem view is enforced by mounts only (best_effort)")
        } else {
            throw .unsupported(what: "Landlock is not available on this kernel",
                               fix: "boot with Landlock enabled (CONFIG_SECURITY_LANDLOCK=y and lsm=...,landlock), or set best_effort: true to run without it")
        }
        steps.append(PlanStep(.securebits, "lock securebits", arg: securebits))
        steps.append(PlanStep(.dropCaps, "drop capabilities", arg: Sys.lastCapability()))
        if req.seccomp {
            // As late as possible: the supervisor compiles the program while the steps above run.
            steps.append(PlanStep(.receiveSeccomp, "receive the seccomp program",
                                  fix: "EPIPE: the supervisor did not deliver the compiled filter (it failed or exited); EPROTO: the filter's header was not one this launcher reads (a contain build mixing versions); the sandbox never runs without it"))
            steps.append(PlanStep(.seccomp, "install seccomp filter",
                                  fix: "the kernel refused the filter; run `contain doctor` to see what seccomp supports here"))
        }
        // The runtime is bound where it really is, so exec it there: a command reached through a symlink
        // (pipx's ~/.local/bin/tool -> venvs/tool/bin/tool, a symlinked venv, /bin/sh -> dash) has no link in
        // the view. argv[0] keeps the name the user gave, which is what multi-call programs look at.
        let execPath = fs.runtime ? (Sys.realpath(runtime.executable) ?? runtime.executable) : runtime.executable
        steps.append(PlanStep(.exec, "execute \(execPath)", path: execPath))

        var argv = req.command
        argv[0] = argv0
        return SandboxPlan(steps: steps, execPath: execPath, argv: argv,
                           environment: vars.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
                           workingDirectory: workspace, idMapping: ids, runtimeAdditions: added,
                           landlockABI: landlockABI >= 1 ? landlockABI : 0)
    }

    /// uid 0 inside maps to the caller; when the caller is root, to an unprivileged uid (the workspace
    /// owner when that is not root, else `rootMapsTo`) so the server never holds host root.
    static func idMapping(workspace st: stat?, rootMapsTo: UInt32) -> IDMapping {
        let uid = Sys.euid, gid = Sys.egid
        if uid != 0 { return IDMapping(hostUID: uid, hostGID: gid, denySetgroups: true) }
        if let st, st.st_uid != 0 {
            return IDMapping(hostUID: st.st_uid, hostGID: st.st_gid, denySetgroups: false)
        }
        let target = rootMapsTo == 0 ? 65534 : rootMapsTo
        return IDMapping(hostUID: target, hostGID: target, denySetgroups: false)
    }

    /// RLIMIT_* numbers (the generic Linux values; glibc's enum imports awkwardly into Swift).
    static func limits(_ l: Limits) -> [(String, Int32, UInt64)] {
        var out: [(String, Int32, UInt64)] = []
        if let v = l.nofile { out.append(("nofile", 7, v)) }
        if let v = l.nproc { out.append(("nproc", 6, v)) }
        if let v = l.addressSpace { out.append(("as", 9, v)) }
        if let v = l.fileSize { out.append(("fsize", 1, v)) }
        if let v = l.cpuSeconds { out.append(("cpu", 0, v)) }
        if let v = l.core { out.append(("core", 4, v)) }
        if let v = l.stack { out.append(("stack", 3, v)) }
        return out
    }
}
