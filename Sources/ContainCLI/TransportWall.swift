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

/// Starts the proxy on its own thread. Returns a function that, once the server has exited, lets the proxy
/// forward what the server wrote, then stops it.
func startTransportWall(_ setup: TransportWallSetup) -> Result<() -> Void, FailureText> {
    guard let mcp = setup.profile.mcp else { return .failure(FailureText("internal: no mcp section")) }
    let context = RuleContext(workingDirectory: setup.workingDirectory, home: setup.home, sandboxRoot: setup.sandboxRoot)
    let session = ProxySession(policy: mcp, rules: PolicyEngine.rules(for: mcp), context: context,
                               observe: setup.observe, audit: setup.audit, inFlight: setup.inFlight,
                               clientIn: 0, clientOut: 1, serverIn: setup.serverIn, serverOut: setup.serverOut)
    session.rootsChecker = PolicyEngine.rootsChecker(for: mcp, context: context)
    let done = Mutex(false)
    guard case .success(let proxyThread) = PosixThread.spawn({ session.run(); done.withLock { $0 = true } }) else {
        return .failure(FailureText("transport wall: cannot start the proxy thread"))
    }
    let watcher = ProfileWatcher(setup: setup, context: context, session: session)
    let watcherThread = try? PosixThread.spawn { watcher.run() }.get()
    return .success {
        // The server has exited: its stdout reaches end-of-file once everything it wrote was read, and the
        // proxy then ends by itself. A client that keeps stdin open must not hold contain forever.
        var waited = 0
        while !done.withLock({ $0 }) && waited < 200 {
            usleep(10_000)
            waited += 1
        }
        session.stop()
        PosixThread.join(proxyThread)
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
