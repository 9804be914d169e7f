// `contain run`: load the profile, compile the seccomp filter (on its own thread), build the plan, hand it to
// the sandbox child cloned before main (from this, the main thread), wait, and report. Exit status: the
// server's own; 128+N for signal N; 125 when contain failed (the message names the step and the fix);
// 126/127 when CMD could not be executed.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import ContainAudit
import ContainProfile
import ContainSandbox

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an MCP server inside the sandbox described by a profile.",
        discussion: """
            CMD's stdin/stdout are the MCP channel: they pass through the transport wall when the profile has \
            an `mcp` section, untouched otherwise. CMD's stderr passes through. SIGINT, SIGTERM and SIGHUP \
            are forwarded to CMD. CMD starts in the workspace directory; a relative CMD is found from the \
            current directory, a bare name on the PATH the server gets.

            Exit status: CMD's own; 128+N when CMD died of signal N; 125 when contain itself failed (bad \
            profile, missing kernel feature, a setup step failed: the message names it); 126/127 when CMD \
            could not be executed / found.

            Examples:
              contain run --profile base -- /bin/echo hi
              contain run --profile base --workspace ~/project -- python3 server.py
              contain run --profile shell --env ALLOW_COMMANDS=ls,cat -- mcp-shell-server
              contain run --profile strict --report /tmp/report.json --audit /tmp/audit.jsonl -- ./server
            """)

    @Option(name: .long, help: ArgumentHelp("Profile path or shipped profile name (base, strict, shell, ...).", valueName: "P"))
    var profile: String

    @Option(name: .long, help: ArgumentHelp("The workspace directory (${WORKSPACE} in the profile; default: the current directory).", valueName: "DIR"))
    var workspace: String?

    @Option(name: .long, help: ArgumentHelp("Stream audit events as JSON lines to FILE.", valueName: "FILE"))
    var audit: String?

    @Option(name: .long, help: ArgumentHelp("Write the summary of what was blocked as JSON to FILE at exit.", valueName: "FILE"))
    var report: String?

    @Flag(name: .long, help: "Transport wall in record-only mode: calls that would be blocked are marked, not blocked.")
    var observe = false

    @Option(name: .customLong("env"), help: ArgumentHelp("Pass NAME from contain's environment, or set NAME=VALUE, for the server (repeatable).", valueName: "NAME[=VALUE]"))
    var env: [String] = []

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The server command and its arguments (after --).", valueName: "CMD"))
    var command: [String] = []

    func run() throws {
        let code = RunSession(options: options).run()
        throw ExitCode(code)
    }
}

/// One `contain run`: everything between parsing the options and the exit status.
struct RunSession {
    let options: RunOptions

    func run() -> Int32 {
        // Writes to a server that exited must fail with EPIPE, not kill contain before it reports.
        signal(SIGPIPE, SIG_IGN)
        // A closed stdin/stdout/stderr and an ignored SIGCHLD were undone before main, with the sandbox
        // child's clone (contain_early_spawn).
        guard !options.command.isEmpty else {
            return fail("no command given: contain run --profile P -- CMD [ARGS...]")
        }
        let workspace: String
        switch resolveWorkspace() {
        case .success(let w): workspace = w
        case .failure(let message): return fail(message.description)
        }

        // Read once: the loader, the transport wall's reloads and HOME all use the same values.
        let variables = ProfileVariables.current(workspace: workspace)
        let profile: Profile
        do {
            profile = try ProfileLoader(variables: variables).load(options.profile)
        } catch {
            FileHandleStderr.write("\(error)\n")
            return ContainExit.containFailure
        }

        var auditFD: Int32?
        if let path = options.audit {
            switch Sys.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600) {
            case .success(let fd): auditFD = fd
            case .failure(let f): return fail("--audit \(path): \(Sys.errnoText(f.errno))")
            }
        }
        let log = AuditLog(fd: auditFD, level: profile.audit.level == .all ? .all : .denials)
        defer { log.close() }

        // network: { allow: [...] }: the supervisor resolves the names now, brokers every connect, and the
        // sandbox's /etc/hosts lists exactly those names.
        var allowlist: NetworkAllowlist?
        var generated: [(path: String, content: String)] = []
        let compilation: SeccompCompilation
        do {
            if case .allow(let destinations) = profile.environment.network {
                let a = try NetworkAllowlist.resolve(destinations)
                allowlist = a
                generated = [("/etc/hosts", a.hostsFileText), ("/etc/resolv.conf", a.resolvConfText)]
            }
            var syscalls = profile.environment.syscalls
            if syscalls.report && !Sys.seccompUserNotifAvailable() {
                // Reporting denied syscalls needs USER_NOTIF. Fail closed unless the profile accepts less.
                if case .allow = profile.environment.network {
                    return fail("seccomp: this kernel has no SECCOMP_RET_USER_NOTIF, which network.allow needs to broker connections; upgrade to Linux 5.9+ or use network: none")
                }
                guard profile.bestEffort else {
                    return fail("seccomp: this kernel has no SECCOMP_RET_USER_NOTIF, so denied syscalls cannot be reported; upgrade to Linux 5.0+, set syscalls.report: false, or best_effort: true")
                }
                syscalls.report = false
                log.note("seccomp: denied syscalls are refused but not reported (no SECCOMP_RET_USER_NOTIF on this kernel; best_effort)")
            }
            // Compiled on its own thread from now on, while the plan is built and the child sets itself up;
            // the program reaches the child right before it installs it. The sandbox child was cloned before
            // main (contain_early_spawn), so the pages the compile touches are not shared copy-on-write with
            // it (when they were, starting before the clone cost ~4 ms more CPU per run). A shipped profile's
            // program is looked up, not compiled.
            compilation = SeccompCompilation(syscalls, mode: .enforce, network: profile.environment.network)
            compilation.begin()
        } catch {
            return fail("\(error)")
        }

        // The transport wall sits between contain's stdio and two pipes to the server.
        var stdio = ServerStdio()
        if profile.mcp != nil {
            switch ServerStdio.pipes() {
            case .success(let p): stdio = p
            case .failure(let f): return fail(f.description)
            }
        }

        let request = LaunchRequest(profile: profile, command: options.command, workspace: workspace,
                                    extraEnv: options.env, stdio: stdio.wiring, seccomp: true, generatedFiles: generated)
        let plan: SandboxPlan
        do {
            plan = try PlanBuilder.build(request, audit: log)
        } catch {
            // A compile error was reported before a plan error when the compile ran first: still so
            // (compiled here, on this error path only).
            if case .failure(let e) = compilation.wait() { return fail("\(e)") }
            FileHandleStderr.write("contain: \(error)\n")
            return finish(error.exitStatus, log: log)
        }

        // Denied syscalls reach the supervisor through the USER_NOTIF listener, which answers them with the
        // rule's errno and records them (with the MCP tool call in flight, if any).
        let inFlight = InFlightCalls()
        var listener: NotifyListener?
        defer { listener?.stop() }
        let sandbox: RunningSandbox
        do {
            sandbox = try Launcher.launch(plan, seccomp: compilation) { fd, _, program in
                let l = NotifyListener(fd: fd, program: program, policy: profile.environment.syscalls, mode: .enforce,
                                       audit: log, inFlight: inFlight, network: allowlist)
                l.start()
                listener = l
            }
        } catch {
            if let e = error.seccompError { return fail("\(e)") }
            // A setup step that failed before the program was needed (an id map, say) must not hide a
            // profile whose filter cannot compile: that is the error the user has to fix first.
            if case .failure(let e) = compilation.wait() { return fail("\(e)") }
            FileHandleStderr.write("\(error.message)\n")
            return finish(error.exitStatus, log: log)
        }
        for fd in stdio.serverEnds { close(fd) }

        var waitTransport: (() -> Void)?
        if profile.mcp != nil, let ends = stdio.wallEnds {
            let home = profile.environment.env.set["HOME"] ?? variables.home
            let setup = TransportWallSetup(profile: profile, profileArgument: options.profile,
                                           variables: variables,
                                           serverIn: ends.serverIn, serverOut: ends.serverOut, audit: log,
                                           inFlight: inFlight, observe: options.observe, workingDirectory: workspace,
                                           home: home, sandboxRoot: "/proc/\(sandbox.initPID)/root")
            switch startTransportWall(setup) {
            case .success(let wait): waitTransport = wait
            case .failure(let message):
                sandbox.kill()
                _ = sandbox.waitForExit()
                return fail(message.description)
            }
        }
        let raw = sandbox.waitForExit()
        waitTransport?()
        listener?.stop()
        return finish(RunningSandbox.exitStatus(raw), log: log)
    }

    func resolveWorkspace() -> Result<String, FailureText> {
        let given = options.workspace ?? "."
        guard let path = Sys.realpath(given) else {
            return .failure(FailureText("--workspace \(given): \(Sys.errnoText(errno))"))
        }
        guard let st = Sys.stat(path), Sys.isDirectory(st) else {
            return .failure(FailureText("--workspace \(given): not a directory"))
        }
        return .success(path)
    }

    func fail(_ message: String) -> Int32 {
        FileHandleStderr.write("contain: \(message)\n")
        return ContainExit.containFailure
    }

    /// Prints the summary, writes --report, returns `status`.
    func finish(_ status: Int32, log: AuditLog) -> Int32 {
        let text = Summary.text(log)
        if !text.isEmpty { FileHandleStderr.write(text) }
        if let path = options.report {
            let json = Summary.json(log, exitStatus: status) + "\n"
            let written = Sys.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644).flatMap { fd in
                defer { Sys.close(fd) }
                return Sys.writeAll(fd, json)
            }
            if case .failure(let f) = written {
                FileHandleStderr.write("contain: --report \(path): \(Sys.errnoText(f.errno))\n")
                return status == 0 ? ContainExit.containFailure : status
            }
        }
        return status
    }
}

struct FailureText: Error, CustomStringConvertible {
    var description: String
    init(_ s: String) { description = s }
}
