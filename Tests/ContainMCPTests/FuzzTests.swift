// Seeded fuzzing of the whole wall: random and mutated messages in both directions through a real session.
// Asserts: no crash, no hang (every stream ends), and nothing invalid is forwarded: every line that reaches
// the server is a strict-valid JSON-RPC 2.0 object, byte-identical to a line the client sent, and never a
// call to a hidden tool; every line that reaches the client is strict-valid and lists no hidden tool.

#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import ContainProfile
import ContainRuleKit
@testable import ContainMCP
import ContainTestSupport


enum FuzzCorpus {
    static let client: [String] = [
        #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"f","version":"1"}}}"#,
        #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        #"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":"c1"}}"#,
        #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"h\u00e9\"llo","n":[1,2.5e3,{"a":null}]}}}"#,
        #"{"jsonrpc":"2.0","id":"s","method":"tools/call","params":{"name":"secret","arguments":{}}}"#,
        #"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"run","arguments":{"cmd":"ls -la","t":5}}}"#,
        #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"run","arguments":{"cmd":"sudo ls","t":5}}}"#,
        #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}"#,
        #"{"jsonrpc":"2.0","id":"srv-1","result":{"roots":[{"uri":"file:///work"}]}}"#,
        #"{"jsonrpc":"2.0","id":6,"method":"ping"}"#,
        #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"run","arguments":{"cmd":"x","t":5},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"},"inputResponses":{"a":{"action":"accept"}}}}"#,
    ]
    static let server: [String] = [
        #"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"s","version":"1"}}}"#,
        #"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"echo"},{"name":"secret"},{"name":"run"}],"nextCursor":"c2"}}"#,
        #"{"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"ok"}],"isError":false}}"#,
        #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":0.5}}"#,
        #"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#,
        #"{"jsonrpc":"2.0","id":"srv-1","method":"roots/list"}"#,
        #"{"jsonrpc":"2.0","id":"srv-2","method":"sampling/createMessage","params":{"messages":[],"maxTokens":5}}"#,
        #"{"jsonrpc":"2.0","id":"unknown","result":{"tools":[{"name":"secret"}]}}"#,
        #"{"jsonrpc":"2.0","id":7,"result":{"resultType":"input_required","inputRequests":{}}}"#,
        #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}"#,
    ]

    static let interesting: [UInt8] = [0x0A, 0x00, 0xFF, 0xC0, 0xED, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x20, 0x0D, 0x75, 0x30, 0x2D]

    static func mutate(_ base: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var b = base
        let rounds = Int.random(in: 1...3, using: &rng)
        for _ in 0..<rounds {
            guard !b.isEmpty else { break }
            let i = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<9, using: &rng) {
            case 0: b[i] = UInt8.random(in: 0...255, using: &rng)
            case 1: b.insert(interesting.randomElement(using: &rng) ?? 0, at: i)
            case 2: b.remove(at: i)
            case 3: b = Array(b[..<i])
            case 4: if let k = b.firstIndex(of: UInt8(ascii: "{")) { b.insert(contentsOf: Array(#""id":9,"#.utf8), at: k + 1) }
            case 5: b = Array("[".utf8) + b + Array("]".utf8)
            case 6: b.insert(contentsOf: Array(#"\ud800"#.utf8), at: i)
            case 7: b = Array(String(repeating: "[", count: 600).utf8) + b
            default: b.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "x"), count: 5000), at: i)
            }
        }
        return b
    }

    static func stream(_ corpus: [String], count: Int, _ rng: inout SeededGenerator) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<count {
            let base = Array((corpus.randomElement(using: &rng) ?? "{}").utf8)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<4: out += base
            case 4: out += (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            default: out += mutate(base, &rng)
            }
            out.append(0x0A)
        }
        return out
    }
}

/// Collects lines from an fd until end-of-file on its own thread.
final class LineCollector: Sendable {
    private let lines = Mutex<[[UInt8]]>([])
    private let failure = Mutex<String?>(nil)
    private let thread: Mutex<pthread_t?> = Mutex(nil)

    init(fd: Int32) {
        let t = Threads.spawn { [self] in
            var buf: [UInt8] = []
            do {
                while let l = try ProxyRig.readLine(fd, &buf, 60_000) { lines.withLock { $0.append(l) } }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
        thread.withLock { $0 = t }
    }

    func wait() -> (lines: [[UInt8]], failure: String?) {
        if let t = thread.withLock({ $0 }) { Threads.join(t) }
        return (lines.withLock { $0 }, failure.withLock { $0 })
    }
}

private func feed(_ fd: Int32, _ bytes: [UInt8]) -> pthread_t? {
    Threads.spawn {
        var off = 0
        while off < bytes.count {
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&p, 1, 60_000) == 0 { return } // the reader side is stuck; the collectors report it
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, min(4096, bytes.count - off)) }
            if n < 0 { if errno == EINTR { continue }; return }
            off += n
        }
    }
}

private func isValidRPC(_ line: [UInt8]) -> JSONValue? {
    guard let v = try? JSONParser.parse(line), case .object = v, v["jsonrpc"] == .string("2.0") else { return nil }
    return v
}

@Test(arguments: [UInt64(1), 2, 3, 0xC0FFEE])
func fuzzBothDirections(seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    var policy = MCPPolicy()
    policy.maxLineBytes = 4096
    policy.tools.hide = ["secret"]
    policy.conditions = [ConditionRule(id: "no-sudo", tools: ["run"], require: [ArgumentTest(argument: "t", op: .lte(10))],
                                       denyIf: [ArgumentTest(argument: "cmd", op: .regex(".*sudo.*"))])]
    policy.rateLimits = [RateLimit(id: "r", tools: ["echo"], count: 50, perSeconds: 3600)]
    let rig = try ProxyRig(policy: policy, rootsChecker: Transcript.rootsChecker)
    rig.start()
    let clientBytes = FuzzCorpus.stream(FuzzCorpus.client, count: 1500, &rng)
    let serverBytes = FuzzCorpus.stream(FuzzCorpus.server, count: 1500, &rng)
    let atServer = LineCollector(fd: rig.serverRead)
    let atClient = LineCollector(fd: rig.clientRead)
    let w1 = feed(rig.clientWrite, clientBytes)
    let w2 = feed(rig.serverWrite, serverBytes)
    if let w1 { Threads.join(w1) }
    rig.closeFD(rig.clientWrite)
    if let w2 { Threads.join(w2) }
    rig.closeFD(rig.serverWrite)
    let s = atServer.wait()
    let c = atClient.wait()
    #expect(s.failure == nil, "server side: \(s.failure ?? "")")
    #expect(c.failure == nil, "client side: \(c.failure ?? "")")

    let sentByClient = Set(clientBytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) })
    let sentByServer = Set(serverBytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) })
    var forwarded = 0
    for line in s.lines {
        guard let v = isValidRPC(line) else { Issue.record("invalid line reached the server: \(String(decoding: line, as: UTF8.self))"); continue }
        #expect(sentByClient.contains(line), "the server got bytes the client never sent")
        if v["method"] == .string("tools/call") { #expect(v["params"]?["name"] != .string("secret")) }
        forwarded += 1
    }
    // Ids of the requests other than tools/list that the server received. A mutated line can give such a
    // request the id of the server's tool-list answer; matched to it, that answer is the answer to a call,
    // a ping, an initialize (content the server controls anyway, as it does any text it returns). Every
    // other answer carrying a tool list must be filtered: tools/list pages and answers to no pending
    // request. (Duplicate pending ids, the way this once leaked: 14_duplicate_ids.jsonl.)
    var otherIDs = Set<String>()
    for line in s.lines {
        if let v = isValidRPC(line), case .string(let method)? = v["method"], method != "tools/list", let id = v["id"] {
            otherIDs.insert(JSONSerializer.string(id))
        }
    }
    var passedBack = 0
    for line in c.lines {
        guard let v = isValidRPC(line) else { Issue.record("invalid line reached the client: \(String(decoding: line, as: UTF8.self))"); continue }
        if let id = v["id"], otherIDs.contains(JSONSerializer.string(id)) {} else {
            for t in v["result"]?["tools"]?.arrayValue ?? [] {
                #expect(t["name"] != .string("secret"), "a hidden tool reached the client: \(String(decoding: line, as: UTF8.self))")
            }
        }
        if sentByServer.contains(line) { passedBack += 1 }
    }
    // The fuzz stream must exercise the forwarding path, not only the refusals.
    #expect(forwarded > 100)
    #expect(passedBack > 100)
    _ = try rig.finish()
}
