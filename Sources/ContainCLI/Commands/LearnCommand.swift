// `contain learn`: run CMD with both walls watching instead of refusing, then write the profile that
// would let exactly that run through.
//
// The learning view: the host's top-level directories read-only (nothing is hidden, so the workload runs
// as it will), the workspace read-write, the host network, a private /tmp and minimal /dev (the same as
// every profile gets, so what is learned there holds under enforcement). The seccomp filter lets a small
// base of frequent, path-free calls through and sends every other call to the listener, which answers
// CONTINUE and records it; it is installed last, right before execve, so contain's own setup calls are
// never seen. The transport wall forwards everything and records every tool call with its arguments.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import ContainAudit
import ContainLearn
import ContainMCP
import ContainProfile
import ContainRuleKit
import ContainSandbox
import ContainThreads
import Synchronization

struct LearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Run an MCP server with both walls observing, then write a profile from what it did.",
        discussion: """
            CMD's stdin/stdout stay the MCP channel: drive the server through its normal work (a client, a \
            script), then end it. At exit the profile is written to --output and a report of what was seen \
            and what to review goes to stderr. With --from, the learned entries are merged into that profile \
            and the diff is shown.

            Nothing is refused while learning (only the host's files outside the workspace are read-only), \
            so learn only with a server and a workload you trust.

            Examples:
              contain learn --output shell.yaml --env ALLOW_COMMANDS=ls,cat,git -- mcp-shell-server
              contain learn --output mine.yaml --from shell -- mcp-shell-server
              contain learn --output tool.yaml --no-mcp -- ./tool --selftest
              contain learn --output srv.yaml --write ~/.cache/srv -- srv --stdio
            """)

    @Option(name: .long, help: "Where to write the learned profile.")
    var output: String

    @Option(name: .long, help: "Merge what is learned into this profile (path or shipped name); the diff goes to stderr.")
    var from: String?

    @Option(name: .long, help: "The workspace directory (${WORKSPACE}; default: the current directory). The only writable host directory while learning.")
    var workspace: String?

    @Option(name: .customLong("write"), help: "Also let the server write DIR while learning (e.g. ~/.cache/app); what it writes there is kept read-write (repeatable).")
    var write: [String] = []

    @Option(name: .customLong("env"), help: "Pass NAME from contain's environment, or set NAME=VALUE, for the server (repeatable); kept in the profile.")
    var env: [String] = []

    @Option(name: .long, help: "Also stream every event seen while learning as JSON lines to FILE.")
    var audit: String?

    @Flag(name: .customLong("no-mcp"), help: "CMD does not speak MCP: pass stdin/stdout through untouched and learn no mcp section.")
    var noMCP = false

    @Argument(parsing: .postTerminator, help: "The server command and its arguments (after --).")
    var command: [String] = []

    func run() throws {
        throw ExitCode(LearnSession(options: self).run())
    }
}

struct LearnSession {
    let options: LearnCommand

    func run() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        // A closed stdin/stdout/stderr and an ignored SIGCHLD were undone before main (contain_early_spawn).
        guard !options.command.isEmpty else { return fail("no command given: contain learn --output P.yaml -- CMD [ARGS...]") }
        guard let workspace = realDirectory(options.workspace ?? ".") else {
            return fail("--workspace \(options.workspace ?? "."): not an existing directory")
        }
        guard workspace != "/" else {
            return fail("--workspace /: the workspace is the one writable directory and would be the whole host; name a project directory")
        }
        // Fail before the run, not after the user drove the server through its work.
        let outputDir = directoryOf(options.output)
        guard access(outputDir, W_OK) == 0 else {
            return fail("--output \(options.output): cannot write in \(outputDir): \(String(cString: strerror(errno)))")
        }
        var writable: [String] = []
        for w in options.write {
            guard let real = realDirectory(w), real != "/" else { return fail("--write \(w): not an existing directory other than /") }
            writable.append(real)
        }
        let variables = ProfileVariables.current(workspace: workspace)
        var base: Profile?
        if let from = options.from {
            do { base = try ProfileLoader(variables: variables).load(from) } catch {
                FileHandleStderr.write("\(error)\n")
                return ContainExit.containFailure
            }
        }

        var auditFD: Int32?
        if let path = options.audit {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return fail("--audit \(path): \(String(cString: strerror(errno)))") }
            auditFD = fd
        }
        let log = AuditLog(fd: auditFD, level: .all)
        defer { log.close() }
        let observation = Observation()
        observation.attach(to: log)

        let view = LearnView.profile(workspace: workspace, writable: writable, base: base)
        let program: SeccompProgram
        do { program = try SeccompCompiler.compile(view.environment.syscalls, mode: .observe) } catch {
            return fail("learn: compiling the observing seccomp filter: \(error)")
        }

        var stdio = ServerStdio()
        if !options.noMCP {
            switch ServerStdio.pipes() {
            case .success(let p): stdio = p
            case .failure(let f): return fail(f.description)
            }
        }
        let request = LaunchRequest(profile: view, command: options.command, workspace: workspace,
                                    extraEnv: options.env, stdio: stdio.wiring, seccomp: true)
        let plan: SandboxPlan
        do { plan = try PlanBuilder.build(request, audit: log) } catch {
            FileHandleStderr.write("contain: \(error)\n")
            return error.exitStatus
        }

        let inFlight = InFlightCalls()
        var listener: NotifyListener?
        defer { listener?.stop() }
        let sandbox: RunningSandbox
        do {
            sandbox = try Launcher.launch(plan, seccomp: SeccompHandoff(bytes: program.bytes, wantListener: program.usesNotify)) { fd, _ in
                let l = NotifyListener(fd: fd, policy: view.environment.syscalls, mode: .observe, audit: log, inFlight: inFlight)
                l.start()
                listener = l
            }
        } catch {
            FileHandleStderr.write("\(error.message)\n")
            return error.exitStatus
        }
        for fd in stdio.serverEnds { close(fd) }

        var waitTransport: (() -> Void)?
        if let ends = stdio.wallEnds {
            let context = RuleContext(workingDirectory: workspace, home: variables.home, sandboxRoot: "/proc/\(sandbox.initPID)/root")
            // Everything passes; the learning rule sees every tools/call with its arguments.
            let session = ProxySession(policy: MCPPolicy(), rules: [LearningRule(observation: observation)], context: context,
                                       observe: true, audit: log, inFlight: inFlight,
                                       clientIn: 0, clientOut: 1, serverIn: ends.serverIn, serverOut: ends.serverOut)
            switch startProxyThread(session) {
            case .success(let stop): waitTransport = stop
            case .failure(let f):
                sandbox.kill()
                _ = sandbox.waitForExit()
                return fail(f.description)
            }
        }
        let raw = sandbox.waitForExit()
        waitTransport?()
        listener?.stop()
        listener = nil
        let status = RunningSandbox.exitStatus(raw)

        let learnOptions = LearnOptions(
            workspace: workspace, home: variables.home, writableRoots: [workspace] + writable,
            untrappedSyscalls: LearnView.untrapped, env: options.env.map(Self.splitEnv), command: options.command)
        let out = ProfileWriter.write(observation.snapshot, options: learnOptions, base: base,
                                      baseName: options.from ?? "base", outputName: options.output)
        // The profile must be one `contain check` accepts; if it is not, that is a bug here, and the user
        // still gets the file to look at.
        let problems = ProfileLoader(variables: variables).check(yaml: out.yaml, file: options.output).filter { $0.severity == .error }
        if let problem = Self.writeProfile(options.output, out.yaml) { return fail("--output \(options.output): \(problem)") }
        if let diff = out.diff {
            FileHandleStderr.write(diff.isEmpty ? "contain learn: nothing to add to \(options.from ?? "the base profile")\n" : diff)
        }
        FileHandleStderr.write(out.report)
        // The learning view shares the host network on purpose; that note is for `contain run`.
        for note in log.notes where !note.hasPrefix("network: host") { FileHandleStderr.write("  note: \(note)\n") }
        if !problems.isEmpty {
            for p in problems { FileHandleStderr.write("\(p)\n") }
            return fail("the learned profile does not pass `contain check` (a bug in contain learn; the file was written for inspection)")
        }
        return status
    }

    /// Written next to the target and renamed over it, so a reader never sees half a profile.
    static func writeProfile(_ path: String, _ text: String) -> String? {
        let tmp = path + ".tmp-\(getpid())"
        switch Sys.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) {
        case .failure(let f): return "\(f)"
        case .success(let fd):
            let written = Sys.writeAll(fd, text)
            Sys.close(fd)
            if case .failure(let f) = written { unlink(tmp); return "\(f)" }
        }
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            return "rename: \(String(cString: strerror(e)))"
        }
        return nil
    }

    static func splitEnv(_ s: String) -> (name: String, value: String?) {
        guard let eq = s.firstIndex(of: "=") else { return (s, nil) }
        return (String(s[..<eq]), String(s[s.index(after: eq)...]))
    }

    func realDirectory(_ path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        let p = String(cString: real)
        guard let st = Sys.stat(p), Sys.isDirectory(st) else { return nil }
        return p
    }

    func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    func fail(_ message: String) -> Int32 {
        FileHandleStderr.write("contain: \(message)\n")
        return ContainExit.containFailure
    }
}

/// The profile learning runs under.
enum LearnView {
    /// Calls the learning filter lets through without a notification (and every learned profile allows).
    static let untrapped = LearnDefaults.untrappedSyscalls

    static func profile(workspace: String, writable: [String], base: Profile?) -> Profile {
        var p = Profile()
        p.name = "learn"
        var fs = FilesystemPolicy()
        fs.execute = topLevelEntries()
        fs.write = [workspace] + writable
        fs.runtime = true
        p.environment.filesystem = fs
        p.environment.network = .host
        p.environment.namespaces.remove(.net)
        // Environment and limits as the server will have them, so it behaves the same while learning.
        if let base {
            p.environment.env = base.environment.env
            p.environment.limits = base.environment.limits
        }
        var sc = SyscallPolicy()
        sc.allow = untrapped.filter { SyscallNames.isNative($0) }
        sc.socketFamilies = SocketFamilies.names
        sc.allowNamespaceCreation = true
        sc.allowIOUring = true
        p.environment.syscalls = sc
        p.audit.level = .all
        return p
    }

    /// `/`'s entries except what the sandbox provides itself (/proc, /dev, /tmp) and lost+found.
    static func topLevelEntries() -> [String] {
        guard let dir = opendir("/") else { return ["/usr", "/etc", "/bin", "/lib", "/lib64", "/opt", "/home", "/root", "/srv", "/var", "/run"] }
        defer { closedir(dir) }
        var out: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if [".", "..", "proc", "dev", "tmp", "lost+found"].contains(name) { continue }
            let path = "/" + name
            // Only what the server's user could open anyway: a bind of an unreadable directory would fail.
            guard access(path, R_OK) == 0 else { continue }
            out.append(path)
        }
        return out.sorted()
    }
}
