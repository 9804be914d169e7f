// The transport wall: one JSON-RPC proxy session between the client's stdio and the server's.
//
// Two threads, one per direction, each reading whole lines. Every line is parsed strictly before it goes
// anywhere; what is allowed is forwarded as the original bytes (never re-serialised), so the server sees
// exactly what the wall checked. Only the wall's own answers and filtered tools/list pages are written
// from values.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ContainAudit
import ContainProfile
import ContainRuleKit
import Synchronization

public final class ProxySession: Sendable {
    private struct Shared: Sendable {
        var compiled: CompiledPolicy
        var rootsChecker: (@Sendable (JSONValue) -> RuleVerdict)?
    }

    private let shared: Mutex<Shared>
    /// The line cap, read per line by both loops without taking the policy lock.
    private let maxLine: Atomic<Int>
    private let context: RuleContext
    private let observe: Bool
    private let audit: AuditLog
    private let inFlight: InFlightTracker
    private let clientIn: Int32
    private let serverOut: Int32
    private let toClient: LineWriter
    private let toServer: LineWriter
    /// Client requests forwarded to the server, awaiting the server's response.
    private let clientRequests = RequestTable()
    /// Server requests (sampling, elicitation, roots/list, ping) forwarded to the client.
    private let serverRequests = RequestTable()
    /// Lines each direction's loop has acted on (over-long ones included: one per newline read). The two
    /// directions run on their own threads, so a test that sends one side a line and then the other side
    /// one waits on these to know the first was handled (a plain store per line: one writer each).
    let clientLinesHandled = Atomic<Int>(0)
    let serverLinesHandled = Atomic<Int>(0)
    /// Wake pipes: a byte in one ends the matching reader (read end, write end).
    private let wakeClientReader: (Int32, Int32)
    private let wakeServerReader: (Int32, Int32)

    /// `clientIn`/`serverOut` are read; `serverIn`/`clientOut` are written. The session closes `serverIn`
    /// when the client side ends (the server sees end-of-file) and `clientOut` when the server side ends;
    /// it never closes the fds it reads.
    public convenience init(policy: MCPPolicy, rules: [any ToolCallRule], context: RuleContext, observe: Bool,
                            audit: AuditLog, inFlight: InFlightCalls,
                            clientIn: Int32, clientOut: Int32, serverIn: Int32, serverOut: Int32) {
        self.init(policy: policy, rules: rules, context: context, observe: observe, audit: audit, inFlight: inFlight,
                  clientIn: clientIn, clientOut: clientOut, serverIn: serverIn, serverOut: serverOut, clock: nil)
    }

    /// `clock`: monotonic seconds for rate limits (tests supply their own).
    init(policy: MCPPolicy, rules: [any ToolCallRule], context: RuleContext, observe: Bool,
         audit: AuditLog, inFlight: InFlightCalls,
         clientIn: Int32, clientOut: Int32, serverIn: Int32, serverOut: Int32, clock: (@Sendable () -> Double)?) {
        shared = Mutex(Shared(compiled: CompiledPolicy(policy: policy, rules: rules, previous: nil, clock: clock), rootsChecker: nil))
        maxLine = Atomic(policy.maxLineBytes)
        self.context = context
        self.observe = observe
        self.audit = audit
        self.inFlight = InFlightTracker(inFlight)
        self.clientIn = clientIn
        self.serverOut = serverOut
        toClient = LineWriter(fd: clientOut)
        toServer = LineWriter(fd: serverIn)
        wakeClientReader = ProxySession.makeWakePipe()
        wakeServerReader = ProxySession.makeWakePipe()
    }

    deinit {
        for fd in [wakeClientReader.0, wakeClientReader.1, wakeServerReader.0, wakeServerReader.1] where fd >= 0 {
            _ = close(fd)
        }
    }

    private static func makeWakePipe() -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        // Without a wake pipe, stop() cannot interrupt a blocked read; the session still works otherwise.
        // pipe2 is not exported by Glibc's Swift module; the window before FD_CLOEXEC is harmless because
        // the sandbox child closes every fd above 2 before execve anyway.
        if pipe(&fds) != 0 { return (-1, -1) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
    }

    /// Checks client-offered roots (roots/list answers; `roots` in initialize params). Supplied by the
    /// path rules; receives an object with a `roots` array.
    public var rootsChecker: (@Sendable (JSONValue) -> RuleVerdict)? {
        get { shared.withLock { $0.rootsChecker } }
        set { shared.withLock { $0.rootsChecker = newValue } }
    }

    /// Swaps the policy (SIGHUP reload). Calls being decided keep the policy they started with; rate
    /// windows carry over for limits whose id is unchanged.
    public func replacePolicy(_ policy: MCPPolicy, rules: [any ToolCallRule]) {
        let previous = shared.withLock { $0.compiled }
        let next = CompiledPolicy(policy: policy, rules: rules, previous: previous)
        shared.withLock { $0.compiled = next }
        maxLine.store(policy.maxLineBytes, ordering: .relaxed)
    }

    private var compiled: CompiledPolicy { shared.withLock { $0.compiled } }

    /// Runs both directions; returns when the client side has ended and the server side has ended
    /// (or the server side ended first: then nothing more can be forwarded and the client side stops).
    public func run() {
        // A peer that goes away must surface as EPIPE on write, not kill contain.
        signal(SIGPIPE, SIG_IGN)
        guard let serverThread = Threads.spawn({ [self] in serverLoop() }) else {
            audit.record(AuditEvent(wall: .transport, event: "setup", verdict: .blocked, rule: "transport.thread",
                                    detail: "could not start the server-side thread; nothing is forwarded"))
            toServer.close()
            toClient.close()
            return
        }
        clientLoop()
        Threads.join(serverThread)
    }

    /// Ends both directions (used when the server has exited but a peer keeps its pipe open).
    public func stop() {
        wake(wakeClientReader.1)
        wake(wakeServerReader.1)
    }

    private func wake(_ fd: Int32) {
        guard fd >= 0 else { return }
        var b: UInt8 = 1
        while write(fd, &b, 1) < 0 && errno == EINTR {}
    }

    // MARK: - Client -> server

    private func clientLoop() {
        let reader = LineReader(fd: clientIn, maxLineBytes: maxLine.load(ordering: .relaxed), wakeFD: wakeClientReader.0)
        let out = OutputBatch(toServer) { [inFlight] in inFlight.publish() }
        var handled = 0
        loop: while true {
            // Nothing forwarded waits for input that has not arrived, and the reader's buffer (which the
            // batch points into) only moves when no complete line is left. Lines that have arrived already
            // join the batch first, so one write (and one wake-up of the peer) carries them all.
            if !reader.hasBufferedLine && !(reader.readArrivedInPlace() && reader.hasBufferedLine) { out.flush() }
            reader.setMaxLineBytes(maxLine.load(ordering: .relaxed))
            switch reader.next() {
            case .line(let content, let wire):
                handleClientLine(content, wire: wire, out: out)
            case .overCap(let prefix):
                let idText = ProxySession.peekID(prefix)
                let limit = reader.maxLineBytes
                recordProtocol(rule: "protocol.line_too_long", from: "client", detail: "line longer than \(limit) bytes refused", idText: idText)
                toClient.writeLine(WallMessages.error(idText: idText, code: -32600,
                                                      message: "contain: invalid request: message longer than the line limit of \(limit) bytes (mcp.max_line)"))
            case .end, .failed:
                break loop
            }
            handled &+= 1
            clientLinesHandled.store(handled, ordering: .releasing)
        }
        out.flush()
        toServer.close()
    }

    private func handleClientLine(_ content: UnsafeRawBufferPointer, wire: UnsafeRawBufferPointer?, out: OutputBatch) {
        if ProxySession.isBlank(content) { return }
        let env: Envelope
        do throws(EnvelopeFault) {
            env = try Envelope.parse(content, materializeParams: true)
        } catch {
            refuseClient(error, content)
            return
        }
        switch env.kind {
        case .request(let method):
            guard let id = env.id, let key = RequestKey(id), let idText = env.idText else { return }
            if method == "tools/call" {
                handleToolCall(env, key: key, idText: idText, content: content, wire: wire, out: out)
                return
            }
            // Entered in the table as it is checked for a duplicate (one lock and one hash); a request refused
            // below is taken out again before anything is written.
            guard enterClientRequest(key, PendingRequest(method: method, idText: idText, tool: nil)) else {
                refuseDuplicate(idText)
                return
            }
            if method == "initialize", let params = env.params?.value, params["roots"] != nil,
               let denial = checkRoots(params) {
                if !observe {
                    _ = clientRequests.remove(key)
                    toClient.writeLine(WallMessages.error(idText: idText, code: -32602, message: "Blocked by contain: \(denial.rule): \(denial.reason)"))
                    return
                }
            }
            forward(out, content, wire)
        case .notification(let method):
            if method == "tools/call" {
                // Without an id there is no one to answer a refusal to, and a lenient server might still run
                // it: a call must be a request, so the policy always gets to decide.
                let message = "contain: invalid request: tools/call must be a request with an id"
                recordProtocol(rule: "protocol.method", from: "client", detail: message, idText: nil)
                toClient.writeLine(WallMessages.error(idText: nil, code: -32600, message: message))
                return
            }
            if method == "notifications/cancelled", let rid = env.params?.value?["requestId"],
               let key = RequestKey(rid), let call = clientRequests.takeCall(key) {
                // The call is over for the client; a late response still passes (and is still matched), but
                // no longer ends anything: its number may belong to a newer call by then.
                inFlight.end(call)
            }
            forward(out, content, wire)
        case .response:
            if let id = env.id, let key = RequestKey(id), let asked = serverRequests.remove(key),
               asked.method == "roots/list", let result = env.result {
                // The line was validated whole, so the result always parses here.
                if let value = ProxySession.parseMember(content, result), let denial = checkRoots(value) {
                    if !observe {
                        out.addOwned(WallMessages.error(idText: asked.idText, code: -32603,
                                                        message: "Blocked by contain: \(denial.rule): \(denial.reason)"))
                        return
                    }
                }
            }
            forward(out, content, wire)
        }
    }

    private struct RootDenial { var rule: String; var reason: String }

    /// nil: allowed (or not checked). Records the decision.
    private func checkRoots(_ value: JSONValue) -> RootDenial? {
        let (checker, enabled) = shared.withLock { ($0.rootsChecker, $0.compiled.policy.checkRoots) }
        guard enabled, let checker else { return nil }
        guard case .deny(let rule, let reason) = checker(value) else { return nil }
        audit.record(AuditEvent(wall: .transport, event: "roots", verdict: observe ? .wouldBlock : .blocked, rule: rule,
                                args: [("roots", render(value["roots"] ?? value, limit: 512))], detail: reason))
        return RootDenial(rule: rule, reason: reason)
    }

    /// The client's request enters the pending table (false: its id is already pending). Calls dropped to
    /// keep the table bounded are ended in the tracker, which would otherwise keep them forever.
    private func enterClientRequest(_ key: RequestKey, _ r: PendingRequest) -> Bool {
        switch clientRequests.insertIfAbsent(key, r) {
        case .inserted: return true
        case .duplicate: return false
        case .insertedEvicting(let calls):
            for c in calls { inFlight.end(c) }
            return true
        }
    }

    private func handleToolCall(_ env: Envelope, key: RequestKey, idText: String,
                                content: UnsafeRawBufferPointer, wire: UnsafeRawBufferPointer?, out: OutputBatch) {
        guard let params = env.params?.value, case .string(let name) = params["name"] else {
            recordProtocol(rule: "protocol.params", from: "client", detail: "tools/call without a string \"name\"", idText: idText)
            toClient.writeLine(WallMessages.error(idText: idText, code: -32602, message: "contain: invalid params: tools/call needs a string \"name\""))
            return
        }
        let arguments = params["arguments"] ?? .object([])
        guard case .object = arguments else {
            recordProtocol(rule: "protocol.params", from: "client", detail: "tools/call arguments are not an object", idText: idText)
            toClient.writeLine(WallMessages.error(idText: idText, code: -32602, message: "contain: invalid params: tools/call \"arguments\" must be an object"))
            return
        }
        // Registered before the decision, and before the write (the response can arrive before write()
        // returns): the duplicate check and the entry are one table operation. A call refused below is taken
        // out of the table and ended before anything is written, so it is never listed in flight, and the
        // server, which has not seen it, has nothing to answer it with.
        let number = inFlight.begin(ToolCallTag(tool: name, requestID: idText))
        guard enterClientRequest(key, PendingRequest(method: "tools/call", idText: idText, tool: name, call: number)) else {
            inFlight.end(number)
            refuseDuplicate(idText)
            return
        }
        let call = ToolCall(name: name, arguments: arguments, requestID: idText)
        let policy = compiled
        if let d = policy.decide(call, context: context, observe: observe) {
            audit.record(AuditEvent(wall: .transport, event: "tool_call", verdict: observe ? .wouldBlock : .blocked,
                                    rule: d.rule, args: d.args, tool: name, requestID: idText, detail: d.reason))
            if !observe {
                _ = clientRequests.remove(key)
                inFlight.end(number)
                toClient.writeLine(WallMessages.blocked(idText: idText, rule: d.rule, reason: d.reason))
                return
            }
        } else {
            // Filled in from a prepared event: the full initializer (a cross-module call with defaulted
            // arguments) cost more than everything else the audit log does with an allowed call.
            var e = ProxySession.allowedCall
            e.time = AuditClock.now()
            e.tool = name
            e.requestID = idText
            audit.record(e)
        }
        forward(out, content, wire)
    }

    /// A second request under an id still pending would replace the first in the table, and the first one's
    /// response would then be read as the second's: a tools/list page read as a tools/call result passes
    /// unfiltered. JSON-RPC ids must be unique, so the second is refused.
    private func refuseDuplicate(_ idText: String) {
        let message = "contain: invalid request: id \(idText) is already used by a request still pending (request ids must be unique)"
        recordProtocol(rule: "protocol.duplicate_id", from: "client", detail: message, idText: idText)
        toClient.writeLine(WallMessages.error(idText: idText, code: -32600, message: message))
    }

    /// The audit event of an allowed call, without its time, tool and request id.
    private static let allowedCall = AuditEvent(time: 0, wall: .transport, event: "tool_call", verdict: .allowed, rule: "",
                                                detail: "allowed")

    private func refuseClient(_ fault: EnvelopeFault, _ content: UnsafeRawBufferPointer) {
        // An id is echoed only when it can be read unambiguously; a bad id itself is never echoed.
        let idText: String?
        if case .badID = fault { idText = nil } else { idText = ProxySession.peekID(content) }
        recordProtocol(rule: fault.rule, from: "client", detail: fault.message, idText: idText)
        toClient.writeLine(WallMessages.error(idText: idText, code: fault.code, message: fault.message))
    }

    // MARK: - Server -> client

    private func serverLoop() {
        let reader = LineReader(fd: serverOut, maxLineBytes: maxLine.load(ordering: .relaxed), wakeFD: wakeServerReader.0)
        let out = OutputBatch(toClient)
        var handled = 0
        loop: while true {
            // Servers answer one write per response and this loop wakes per write, so a probe for lines that
            // arrived meanwhile (a FIONREAD ioctl) mostly finds nothing: it is made only before a write big
            // enough to block on the client's pipe, when taking in what the server already sent lets the
            // server go on writing while we do (bench/proxy: 1 KiB ~5% more throughput without the probe,
            // 1 MiB ~8% less).
            if !reader.hasBufferedLine
                && !(out.pendingBytes >= OutputBatch.probeAbove && reader.readArrivedInPlace() && reader.hasBufferedLine) {
                out.flush()
            }
            reader.setMaxLineBytes(maxLine.load(ordering: .relaxed))
            switch reader.next() {
            case .line(let content, let wire):
                handleServerLine(content, wire: wire, out: out)
            case .overCap(let prefix):
                refuseServer(rule: "protocol.line_too_long", detail: "line longer than \(reader.maxLineBytes) bytes dropped",
                             idText: ProxySession.peekID(prefix), out: out)
            case .end, .failed:
                break loop
            }
            handled &+= 1
            serverLinesHandled.store(handled, ordering: .releasing)
        }
        out.flush()
        toClient.close()
        // Nobody is left to forward to: stop reading the client too.
        wake(wakeClientReader.1)
    }

    private func handleServerLine(_ content: UnsafeRawBufferPointer, wire: UnsafeRawBufferPointer?, out: OutputBatch) {
        if ProxySession.isBlank(content) { return }
        let env: Envelope
        do throws(EnvelopeFault) {
            env = try Envelope.parse(content, materializeParams: false)
        } catch {
            refuseServer(rule: error.rule, detail: error.message, idText: ProxySession.peekID(content), out: out)
            return
        }
        switch env.kind {
        case .request(let method):
            if let id = env.id, let key = RequestKey(id), let idText = env.idText {
                // As for the client: a duplicate pending id would let the client's answer be matched to the
                // wrong request (a roots/list answer read as a ping's, unchecked). Dropped, not answered:
                // writing to the server from its own reader could block against a server blocked on us.
                if serverRequests.insertIfAbsent(key, PendingRequest(method: method, idText: idText, tool: nil)) == .duplicate {
                    recordProtocol(rule: "protocol.duplicate_id", from: "server",
                                   detail: "request dropped: id \(idText) is already used by a request still pending",
                                   idText: idText)
                    return
                }
            }
            forward(out, content, wire)
        case .notification:
            forward(out, content, wire)
        case .response:
            let asked = env.id.flatMap(RequestKey.init).flatMap { clientRequests.remove($0) }
            if let call = asked?.call { inFlight.end(call) }
            // Unknown ids are filtered too when they carry a tool list: a table eviction or a re-escaped id
            // must not let hidden tools through.
            if asked == nil || asked?.method == "tools/list", let filtered = filterToolsList(content, env) {
                out.addOwned(filtered)
                return
            }
            forward(out, content, wire)
        }
    }

    /// Drops a malformed server line. If its id names a request the client is waiting for, the client gets
    /// an error instead of waiting forever.
    private func refuseServer(rule: String, detail: String, idText: String?, out: OutputBatch) {
        recordProtocol(rule: rule, from: "server", detail: detail, idText: idText)
        guard let idText, let id = try? JSONParser.parse(idText), let key = RequestKey(id),
              let asked = clientRequests.remove(key) else { return }
        if let call = asked.call { inFlight.end(call) }
        out.addOwned(WallMessages.error(idText: asked.idText, code: -32603,
                                        message: "contain: the server's reply was refused and not forwarded: \(detail)"))
    }

    /// A re-serialised response with hidden and denied tools removed from `result.tools`, or nil when
    /// nothing needs removing (then the original bytes are forwarded).
    private func filterToolsList(_ content: UnsafeRawBufferPointer, _ env: Envelope) -> [UInt8]? {
        guard let resultMember = env.result, resultMember.leadByte == UInt8(ascii: "{") else { return nil }
        // Rare (tools/list pages and unmatched ids): read the members again, with `result` built.
        guard case .object(let top)? = try? JSONParser.parseTopLevel(content, materialize: { $0 == "result" }),
              let result = top.first(where: { $0.key == "result" })?.value,
              case .object(var members) = result,
              let toolsIndex = members.firstIndex(where: { $0.0 == "tools" }),
              case .array(let tools) = members[toolsIndex].1 else { return nil }
        let access = compiled.access
        var kept: [JSONValue] = []
        var removed: [String] = []
        for t in tools {
            // A tool without a readable name cannot be checked against the list: drop it.
            guard case .string(let name) = t["name"] else { removed.append(render(t, limit: 80)); continue }
            if access.isListed(name) { kept.append(t) } else { removed.append(name) }
        }
        if removed.isEmpty { return nil }
        if observe {
            audit.record(AuditEvent(wall: .transport, event: "tools_list", verdict: .wouldBlock, rule: "tools.hide",
                                    requestID: env.idText, detail: "would hide: \(removed.joined(separator: ", "))"))
            return nil
        }
        members[toolsIndex].1 = .array(kept)
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        out.append(UInt8(ascii: "{"))
        for (i, m) in top.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONSerializer.writeString(m.key, into: &out)
            out.append(UInt8(ascii: ":"))
            if m.key == "result" {
                JSONSerializer.write(.object(members), into: &out)
            } else {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: content[m.range]))
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    // MARK: - Helpers

    private func forward(_ out: OutputBatch, _ content: UnsafeRawBufferPointer, _ wire: UnsafeRawBufferPointer?) {
        if let wire { out.addWire(wire) } else { out.addLine(content) }
    }

    private func recordProtocol(rule: String, from side: String, detail: String, idText: String?) {
        audit.record(AuditEvent(wall: .transport, event: "protocol", verdict: .blocked, rule: rule,
                                requestID: idText, detail: "from \(side): \(detail)"))
    }

    static func isBlank(_ b: UnsafeRawBufferPointer) -> Bool {
        for c in b where c != 0x20 && c != 0x09 && c != 0x0D { return false }
        return true
    }

    /// The id of a broken or truncated message, when it can be read (a string or a number).
    static func peekID(_ b: UnsafeRawBufferPointer) -> String? {
        guard let (v, range) = JSONParser.peekMember("id", in: b), RequestKey(v) != nil else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[range]), as: UTF8.self)
    }

    static func parseMember(_ content: UnsafeRawBufferPointer, _ m: EnvelopeMember) -> JSONValue? {
        if let v = m.value { return v }
        return try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: content[m.range]))
    }
}
