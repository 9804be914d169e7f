// Wires the transport wall into `contain run`: the proxy between contain's own stdio (the client) and the
// server's pipes, and the profile watcher that reloads the MCP policy when a profile file changes.
//
// Reload is by file change rather than SIGHUP because SIGHUP belongs to the server (contain forwards it).
// Only the `mcp` section can change in a running sandbox; environment changes need a restart and are
// reported as ignored.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ContainAudit
import ContainMCP
import ContainProfile
import ContainRuleKit
import ContainSandbox
import ContainThreads
import Synchronization

struct TransportWallSetup {
    var profile: Profile
    var profileArgument: String
    var variables: ProfileVariables
    var serverIn: Int32
    var serverOut: Int32
    var audit: AuditLog
    var inFlight: InFlightCalls
    var observe: Bool
    var workingDirectory: String
    var home: String
    /// `/proc/<pid>/root` of a process inside the sandbox: paths are resolved as the server sees them.
    var sandboxRoot: String?
}

/// The server's stdin and stdout as two pipes, for a transport wall (`run`'s policy proxy, `learn`'s
/// observing one) to sit between them and contain's own stdio. Without a wall the server inherits stdio.
struct ServerStdio {
    var wiring: StdioWiring = .inherit
    /// The server's ends: contain closes them once the sandbox holds its copies.
    var serverEnds: [Int32] = []
    /// The wall's ends: it writes the server's stdin and reads its stdout.
    var wallEnds: (serverIn: Int32, serverOut: Int32)?

    static func pipes() -> Result<ServerStdio, FailureText> {
        guard case .success(let inPipe) = Sys.pipe(), case .success(let outPipe) = Sys.pipe() else {
            return .failure(FailureText("cannot create the server's stdio pipes: \(String(cString: strerror(errno)))"))
        }
        return .success(ServerStdio(wiring: .pipes(stdin: inPipe.read, stdout: outPipe.write),
                                    serverEnds: [inPipe.read, outPipe.write],
                                    wallEnds: (inPipe.write, outPipe.read)))
    }
}

/// Runs `session` on its own thread. The returned function, called once the server has exited, lets the
/// proxy forward what the server wrote, then stops and joins it.
func startProxyThread(_ session: ProxySession) -> Result<() -> Void, FailureText> {
    let done = Mutex(false)
    guard case .success(let thread) = PosixThread.spawn({ session.run(); done.withLock { $0 = true } }) else {
        return .failure(FailureText("transport wall: cannot start the proxy thread"))
    }
    return .success {
        // The server has exited: its stdout reaches end-of-file once everything it wrote was read, and the
        // proxy then ends by itself. A client that keeps stdin open must not hold contain forever.
        var waited = 0
        while !done.withLock({ $0 }) && waited < 200 {
            usleep(10_000)
            waited += 1
        }
        session.stop()
        PosixThread.join(thread)
    }
}

/// Starts the policy proxy and the profile watcher. Returns a function that, once the server has exited,
/// lets the proxy forward what the server wrote, then stops both.
func startTransportWall(_ setup: TransportWallSetup) -> Result<() -> Void, FailureText> {
    guard let mcp = setup.profile.mcp else { return .failure(FailureText("internal: no mcp section")) }
    let context = RuleContext(workingDirectory: setup.workingDirectory, home: setup.home, sandboxRoot: setup.sandboxRoot)
    let session = ProxySession(policy: mcp, rules: PolicyEngine.rules(for: mcp), context: context,
                               observe: setup.observe, audit: setup.audit, inFlight: setup.inFlight,
                               clientIn: 0, clientOut: 1, serverIn: setup.serverIn, serverOut: setup.serverOut)
    session.rootsChecker = PolicyEngine.rootsChecker(for: mcp, context: context)
    let stopProxy: () -> Void
    switch startProxyThread(session) {
    case .success(let stop): stopProxy = stop
    case .failure(let f): return .failure(f)
    }
    let watcher = ProfileWatcher(setup: setup, context: context, session: session)
    let watcherThread: pthread_t?
    switch PosixThread.spawn({ watcher.run() }) {
    case .success(let t): watcherThread = t
    case .failure(let e):
        // The wall runs with the policy it started with; say so rather than let edits go unnoticed.
        watcherThread = nil
        setup.audit.note("transport wall: profile changes will not be picked up (the watcher thread could not start: \(Sys.errnoName(e.code)))")
    }
    return .success {
        stopProxy()
        watcher.stop()
        if let watcherThread { PosixThread.join(watcherThread) }
    }
}

/// Polls the profile's files (the whole `extends` chain) once a second; on a change, reloads and swaps the
/// MCP policy. An invalid new profile keeps the old policy and says so on stderr and in the audit log.
final class ProfileWatcher: Sendable {
    private let setup: TransportWallSetupBox
    private let context: RuleContext
    private let session: ProxySession
    private let stopped = Mutex(false)

    init(setup: TransportWallSetup, context: RuleContext, session: ProxySession) {
        self.setup = TransportWallSetupBox(setup)
        self.context = context
        self.session = session
    }

    func stop() { stopped.withLock { $0 = true } }

    func run() {
        var files = setup.value.profile.sources
        var stamps = files.map(Self.stamp)
        while !stopped.withLock({ $0 }) {
            for _ in 0..<10 where !stopped.withLock({ $0 }) { usleep(100_000) }
            let now = files.map(Self.stamp)
            guard now != stamps else { continue }
            stamps = now
            do {
                let next = try ProfileLoader(variables: setup.value.variables).load(setup.value.profileArgument)
                guard let mcp = next.mcp else {
                    report("profile reload refused: the new profile has no mcp section; keeping the previous MCP policy")
                    continue
                }
                session.replacePolicy(mcp, rules: PolicyEngine.rules(for: mcp))
                session.rootsChecker = PolicyEngine.rootsChecker(for: mcp, context: context)
                files = next.sources
                stamps = files.map(Self.stamp)
                report("profile reloaded: new MCP policy in force (environment changes need a restart)", verdict: .allowed)
            } catch {
                report("profile reload refused, keeping the previous policy: \(error)")
            }
        }
    }

    private func report(_ text: String, verdict: Verdict = .blocked) {
        FileHandleStderr.write("contain: \(text)\n")
        setup.value.audit.record(AuditEvent(wall: .transport, event: "profile_reload", verdict: verdict,
                                            rule: "profile.reload", detail: text))
    }

    private static func stamp(_ path: String) -> [Int] {
        var st = stat()
        guard stat(path, &st) == 0 else { return [-1] }
        return [Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec), Int(st.st_size), Int(st.st_ino)]
    }
}

/// The setup's values are immutable after start; the box makes that explicit for Sendable checking.
final class TransportWallSetupBox: @unchecked Sendable {
    let value: TransportWallSetup
    init(_ value: TransportWallSetup) { self.value = value }
}
