// Drives a real ProxySession through real pipes, the way `contain run` does, from JSON-lines transcripts
// in tests/transcripts/ (format: tests/transcripts/README.md).

#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import ContainAudit
import ContainProfile
import ContainRuleKit
@testable import ContainMCP

/// Monotonic test clock for rate limits: only moves when a transcript says so.
final class TestClock: Sendable {
    private let t = Mutex(1000.0)
    func now() -> Double { t.withLock { $0 } }
    func advance(_ s: Double) { t.withLock { $0 += s } }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The four pipes around a running session, seen from the client and the fake server.
final class ProxyRig: @unchecked Sendable {
    let session: ProxySession
    let audit: AuditLog
    let auditPath: String
    let inFlight = InFlightCalls()
    let clock = TestClock()
    /// Test writes here as the client / reads the proxy's output to the client.
    let clientWrite: Int32, clientRead: Int32
    /// Test reads what the proxy sends the server / writes as the server.
    let serverRead: Int32, serverWrite: Int32
    private var thread: pthread_t?
    private var closedFDs: Set<Int32> = []

    /// Closes one of the test's pipe ends once (tests run in parallel: a second close could hit a reused fd).
    func closeFD(_ fd: Int32) {
        if closedFDs.insert(fd).inserted { close(fd) }
    }
    private var clientBuf: [UInt8] = []
    private var serverBuf: [UInt8] = []

    init(policy: MCPPolicy, rules: [any ToolCallRule] = [], observe: Bool = false, auditAll: Bool = false,
         rootsChecker: (@Sendable (JSONValue) -> RuleVerdict)? = nil) throws {
        func mkpipe() throws -> (Int32, Int32) {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw HarnessError("pipe failed") }
            return (fds[0], fds[1])
        }
        let c2p = try mkpipe(), p2c = try mkpipe(), p2s = try mkpipe(), s2p = try mkpipe()
        var template = Array("/tmp/contain-audit-XXXXXX".utf8CString)
        let afd = mkstemp(&template)
        guard afd >= 0 else { throw HarnessError("mkstemp failed") }
        auditPath = String(cString: template)
        audit = AuditLog(fd: afd, level: auditAll ? .all : .denials)
        let clock = self.clock
        session = ProxySession(policy: policy, rules: rules, context: RuleContext(workingDirectory: "/work", home: "/home/u"),
                               observe: observe, audit: audit, inFlight: inFlight,
                               clientIn: c2p.0, clientOut: p2c.1, serverIn: p2s.1, serverOut: s2p.0,
                               clock: { clock.now() })
        session.rootsChecker = rootsChecker
        clientWrite = c2p.1; clientRead = p2c.0; serverRead = p2s.0; serverWrite = s2p.1
        proxyClientIn = c2p.0; proxyServerOut = s2p.0
    }
    private let proxyClientIn: Int32
    private let proxyServerOut: Int32

    func start() {
        let s = session
        thread = Threads.spawn { s.run() }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 { if errno == EINTR { continue }; throw HarnessError("write failed: errno \(errno)") }
            off += n
        }
    }

    /// Newlines written to each side so far: the session handles one line per newline.
    private var clientLinesSent = 0
    private var serverLinesSent = 0

    /// Sends a line and waits until the session has handled it (and any line before it). The two sides
    /// are read by two threads: without the wait, a line sent to the server after one sent to the client
    /// could be handled first, and a transcript's order would not be the order the session saw.
    func sendClient(_ line: [UInt8]) throws {
        try ProxyRig.writeAll(clientWrite, line + [0x0A])
        clientLinesSent += line.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        try ProxyRig.waitHandled(session.clientLinesHandled, clientLinesSent, side: "client")
    }
    func sendServer(_ line: [UInt8]) throws {
        try ProxyRig.writeAll(serverWrite, line + [0x0A])
        serverLinesSent += line.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        try ProxyRig.waitHandled(session.serverLinesHandled, serverLinesSent, side: "server")
    }

    private static func waitHandled(_ counter: borrowing Atomic<Int>, _ sent: Int, side: String) throws {
        var waited = 0
        while counter.load(ordering: .acquiring) < sent {
            if waited > 20_000 { throw HarnessError("the \(side) side's line \(sent) was not handled within 20 s: the proxy is stuck") }
            usleep(1000)
            waited += 1
        }
    }

    /// The next line arriving at the client (without its newline); nil at end of stream.
    func readClient(timeout: Int32 = 20_000) throws -> [UInt8]? { try ProxyRig.readLine(clientRead, &clientBuf, timeout) }
    func readServer(timeout: Int32 = 20_000) throws -> [UInt8]? { try ProxyRig.readLine(serverRead, &serverBuf, timeout) }

    /// Hang protection only (a generous bound that turns a stuck proxy into a failure), not a timing check.
    static func readLine(_ fd: Int32, _ buf: inout [UInt8], _ timeout: Int32) throws -> [UInt8]? {
        while true {
            if let nl = buf.firstIndex(of: 0x0A) {
                let line = Array(buf[..<nl])
                buf.removeSubrange(...nl)
                return line
            }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, timeout)
            if r < 0 { if errno == EINTR { continue }; throw HarnessError("poll failed") }
            if r == 0 { throw HarnessError("no line within \(timeout / 1000) s: the proxy is stuck") }
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw HarnessError("read failed") }
            if n == 0 {
                if buf.isEmpty { return nil }
                let rest = buf; buf = []; return rest
            }
            buf.append(contentsOf: chunk[..<n])
        }
    }

    /// Ends both streams and checks nothing else was sent either way; returns what was left over.
    func finish() throws -> (client: [[UInt8]], server: [[UInt8]]) {
        closeFD(clientWrite)
        var leftServer: [[UInt8]] = []
        if !closedFDs.contains(serverRead) { while let l = try readServer() { leftServer.append(l) } }
        closeFD(serverWrite)
        var leftClient: [[UInt8]] = []
        if !closedFDs.contains(clientRead) { while let l = try readClient() { leftClient.append(l) } }
        if let thread { Threads.join(thread) }
        closeFD(clientRead); closeFD(serverRead); closeFD(proxyClientIn); closeFD(proxyServerOut)
        return (leftClient, leftServer)
    }

    func auditRecords() throws -> [JSONValue] {
        let fd = open(auditPath, O_RDONLY)
        guard fd >= 0 else { throw HarnessError("cannot open audit file") }
        defer { close(fd); unlink(auditPath) }
        var buf: [UInt8] = []
        var out: [JSONValue] = []
        while let line = try ProxyRig.readLine(fd, &buf, 1000) {
            out.append(try JSONParser.parse(line))
        }
        return out
    }
}

// MARK: - Transcript files

enum Transcript {
    static var directory: String {
        // Tests/ContainMCPTests/TranscriptHarness.swift -> repo root
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/tests/transcripts"
    }

    static func names() -> [String] {
        guard let d = opendir(directory) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".jsonl") { out.append(name) }
        }
        return out.sorted()
    }

    static func load(_ name: String) throws -> [JSONValue] {
        let path = directory + "/" + name
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw HarnessError("cannot open \(path)") }
        defer { close(fd) }
        var buf: [UInt8] = []
        var steps: [JSONValue] = []
        var lineNo = 0
        while let line = try ProxyRig.readLine(fd, &buf, 1000) {
            lineNo += 1
            if line.withUnsafeBytes({ ProxySession.isBlank($0) }) { continue }
            do { steps.append(try JSONParser.parse(line)) } catch {
                throw HarnessError("\(name):\(lineNo): \(error)")
            }
        }
        return steps
    }

    static func policy(_ v: JSONValue) throws -> MCPPolicy {
        var p = MCPPolicy()
        if let n = v["max_line"]?.doubleValue { p.maxLineBytes = Int(n) }
        if let t = v["tools"] {
            if t["default"]?.stringValue == "deny" { p.tools.defaultAction = .deny }
            p.tools.allow = strings(t["allow"]); p.tools.deny = strings(t["deny"]); p.tools.hide = strings(t["hide"])
        }
        for c in v["conditions"]?.arrayValue ?? [] {
            p.conditions.append(ConditionRule(id: c["id"]?.stringValue ?? "cond", tools: strings(c["tools"]),
                                              require: try (c["require"]?.arrayValue ?? []).map(test),
                                              denyIf: try (c["deny_if"]?.arrayValue ?? []).map(test)))
        }
        for r in v["rate_limits"]?.arrayValue ?? [] {
            let per: Double = ["second": 1, "minute": 60, "hour": 3600][r["per"]?.stringValue ?? ""] ?? 60
            p.rateLimits.append(RateLimit(id: r["id"]?.stringValue ?? "rate", tools: r["tools"].map { strings($0) },
                                          count: Int(r["count"]?.doubleValue ?? 0), perSeconds: per))
        }
        if v["roots"]?.stringValue == "off" { p.checkRoots = false }
        return p
    }

    static func strings(_ v: JSONValue?) -> [String] { v?.arrayValue?.compactMap(\.stringValue) ?? [] }

    static func scalar(_ v: JSONValue) throws -> JSONScalar {
        switch v {
        case .string(let s): return .string(s)
        case .number(let n): return .number(Double(n) ?? .nan)
        case .bool(let b): return .bool(b)
        case .null: return .null
        default: throw HarnessError("not a scalar: \(v)")
        }
    }

    static func test(_ v: JSONValue) throws -> ArgumentTest {
        guard let arg = v["arg"]?.stringValue, case .object(let m) = v, let (op, val) = m.first(where: { $0.0 != "arg" }) else {
            throw HarnessError("bad test \(v)")
        }
        let o: ConditionOp
        switch op {
        case "eq": o = .eq(try scalar(val))
        case "in": o = .in(try (val.arrayValue ?? []).map(scalar))
        case "glob": o = .glob(val.stringValue ?? "")
        case "regex": o = .regex(val.stringValue ?? "")
        case "exists": o = .exists(val.boolValue ?? true)
        case "lt": o = .lt(val.doubleValue ?? 0)
        case "lte": o = .lte(val.doubleValue ?? 0)
        case "gt": o = .gt(val.doubleValue ?? 0)
        case "gte": o = .gte(val.doubleValue ?? 0)
        default: throw HarnessError("unknown op \(op)")
        }
        return ArgumentTest(argument: arg, op: o)
    }

    /// `expected` is contained in `actual`: objects by subset of keys, arrays element-wise, strings equal
    /// unless the expectation is {"$contains": "text"}.
    static func like(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        if case .object(let em) = expected, em.count == 1, em[0].0 == "$contains", case .string(let needle) = em[0].1 {
            guard case .string(let s) = actual else { return false }
            return s.contains(needle)
        }
        switch (actual, expected) {
        case let (.object(am), .object(em)):
            return em.allSatisfy { (k, ev) in am.first(where: { $0.0 == k }).map { like($0.1, ev) } ?? false }
        case let (.array(aa), .array(ea)):
            return aa.count == ea.count && zip(aa, ea).allSatisfy { like($0, $1) }
        default:
            return actual == expected
        }
    }

    static func hex(_ s: String) throws -> [UInt8] {
        let digits = Array(s.utf8).filter { $0 != 0x20 }
        guard digits.count % 2 == 0 else { throw HarnessError("odd hex") }
        return try stride(from: 0, to: digits.count, by: 2).map { i in
            guard let b = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { throw HarnessError("bad hex") }
            return b
        }
    }

    static func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    /// Test roots checker: refuses file:///etc... roots (the real one comes from the path rules).
    static let rootsChecker: @Sendable (JSONValue) -> RuleVerdict = { v in
        for r in v["roots"]?.arrayValue ?? [] {
            if let uri = r["uri"]?.stringValue, uri.hasPrefix("file:///etc") {
                return .deny(rule: "fs.roots", reason: "root \(uri) is outside the allowlist")
            }
        }
        return .allow
    }

    /// Runs one transcript; returns failures as text (empty: passed).
    static func run(_ name: String) throws -> [String] {
        var steps = try load(name)
        guard let header = steps.first, let policyValue = header["policy"] else { throw HarnessError("\(name): first step must be {\"policy\": ...}") }
        steps.removeFirst()
        let rig = try ProxyRig(policy: try policy(policyValue), observe: header["observe"]?.boolValue ?? false,
                               auditAll: header["audit"]?.stringValue == "all",
                               rootsChecker: header["roots_checker"]?.boolValue == true ? rootsChecker : nil)
        rig.start()
        var failures: [String] = []
        var lastClient: [UInt8] = [], lastServer: [UInt8] = []
        for (i, step) in steps.enumerated() {
            guard case .object(let m) = step, let (op, arg) = m.first else { continue }
            let at = "\(name) step \(i + 2) (\(op))"
            switch op {
            case "#": continue
            case "client": lastClient = JSONSerializer.serialize(arg); try rig.sendClient(lastClient)
            case "client_raw": lastClient = Array((arg.stringValue ?? "").utf8); try rig.sendClient(lastClient)
            case "client_hex": lastClient = try hex(arg.stringValue ?? ""); try rig.sendClient(lastClient)
            case "server": lastServer = JSONSerializer.serialize(arg); try rig.sendServer(lastServer)
            case "server_raw": lastServer = Array((arg.stringValue ?? "").utf8); try rig.sendServer(lastServer)
            case "server_hex": lastServer = try hex(arg.stringValue ?? ""); try rig.sendServer(lastServer)
            case "expect_server", "expect_client", "expect_server_like", "expect_client_like":
                let toServer = op.hasPrefix("expect_server")
                guard let got = toServer ? try rig.readServer() : try rig.readClient() else {
                    failures.append("\(at): stream ended"); continue
                }
                if case .string("forwarded") = arg {
                    let want = toServer ? lastClient : lastServer
                    if got != want { failures.append("\(at): expected the last line byte-for-byte\n  want \(text(want))\n  got  \(text(got))") }
                } else if op.hasSuffix("_like") {
                    guard let v = try? JSONParser.parse(got), like(v, arg) else {
                        failures.append("\(at): \(text(got)) is not like \(JSONSerializer.string(arg))"); continue
                    }
                } else {
                    let want = JSONSerializer.serialize(arg)
                    if got != want { failures.append("\(at):\n  want \(text(want))\n  got  \(text(got))") }
                }
            case "expect_in_flight":
                let cur = rig.inFlight.current
                if case .null = arg {
                    if let cur { failures.append("\(at): expected nothing in flight, got \(cur)") }
                } else if cur?.tool != arg[0]?.stringValue || cur?.requestID != arg[1]?.stringValue {
                    failures.append("\(at): in flight \(String(describing: cur)), expected \(JSONSerializer.string(arg))")
                }
            case "advance_clock": rig.clock.advance(arg.doubleValue ?? 0)
            case "expect_audit", "expect_audit_count":
                // Checked after the streams end (the log is complete then).
                continue
            default: failures.append("\(at): unknown step")
            }
        }
        let left = try rig.finish()
        for l in left.client { failures.append("\(name): unexpected line to the client: \(text(l))") }
        for l in left.server { failures.append("\(name): unexpected line to the server: \(text(l))") }
        let records = try rig.auditRecords()
        for step in steps {
            guard let expected = step["expect_audit"]?.arrayValue else { continue }
            // In order, as a subsequence of the log.
            var idx = 0
            for e in expected {
                while idx < records.count && !like(records[idx], e) { idx += 1 }
                if idx == records.count {
                    failures.append("\(name): audit record like \(JSONSerializer.string(e)) not found (in order) in:\n" +
                                    records.map { "  " + JSONSerializer.string($0) }.joined(separator: "\n"))
                    break
                }
                idx += 1
            }
        }
        if let count = steps.compactMap({ $0["expect_audit_count"]?.doubleValue }).first, Int(count) != records.count {
            failures.append("\(name): expected \(Int(count)) audit records, got \(records.count):\n" +
                            records.map { "  " + JSONSerializer.string($0) }.joined(separator: "\n"))
        }
        return failures
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, index < a.count { return a[index] }
        return nil
    }
}
