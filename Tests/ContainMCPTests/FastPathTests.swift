// The proxy's per-message fast paths against the invariants they must keep: lines split anywhere across
// reads, many lines (good and bad) in one read, envelope keys read after unescaping, the per-tool plan
// cache, and the in-flight tracking the syscall report reads.

#if canImport(Glibc)
import Glibc
#endif
import Testing
import ContainAudit
import ContainProfile
import ContainRuleKit
@testable import ContainMCP
import ContainTestSupport

/// Waits until the proxy has read everything written to `fd` (a pipe's write end), so the next write
/// arrives in a separate read. Hang protection only.
private func waitDrained(_ fd: Int32) throws {
    for _ in 0..<400_000 {
        var pending: Int32 = 0
        guard ioctl(fd, UInt(FIONREAD), &pending) == 0 else { throw HarnessError("FIONREAD failed: errno \(errno)") }
        if pending == 0 { return }
        usleep(50)
    }
    throw HarnessError("the proxy never read what was written")
}

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Test func lineSplitAtEveryByteOffsetArrivesWhole() throws {
    // Escapes, multi-byte UTF-8 and an escaped key, so every kind of token is cut somewhere.
    let request = bytes(#"{"jsonrpc":"2.0","id":"r\"1","method":"tools/call","params":{"name":"good","arguments":{"t\u0065xt":"h\u00e9 – 😀 \n\\","n":[1.5e3,-0,true,null]}}}"#)
    let response = bytes(#"{"jsonrpc":"2.0","id":"r\"1","result":{"content":[{"type":"text","text":"ü – 😀 \"q\""}],"isError":false}}"#)
    var p = MCPPolicy()
    p.tools.deny = ["bad"]
    let rig = try ProxyRig(policy: p)
    rig.start()
    for cut in 1...request.count {
        try ProxyRig.writeAll(rig.clientWrite, Array(request[..<cut]))
        try waitDrained(rig.clientWrite)
        try ProxyRig.writeAll(rig.clientWrite, Array(request[cut...]) + [0x0A])
        #expect(try rig.readServer() == request, "request cut at \(cut)")
        try ProxyRig.writeAll(rig.serverWrite, Array(response[..<min(cut, response.count)]))
        try waitDrained(rig.serverWrite)
        try ProxyRig.writeAll(rig.serverWrite, Array(response[min(cut, response.count)...]) + [0x0A])
        #expect(try rig.readClient() == response, "response cut at \(cut)")
    }
    let left = try rig.finish()
    #expect(left.client.isEmpty && left.server.isEmpty)
}

@Test func badLinesBetweenGoodOnesInOneReadAreRefusedAlone() throws {
    // A client pipelines good calls around broken ones in a single write: each broken line is refused on
    // its own (never forwarded), and every good line still reaches the server whole and in order.
    var p = MCPPolicy()
    p.tools.deny = ["bad"]
    let rig = try ProxyRig(policy: p)
    rig.start()
    func call(_ id: Int, _ tool: String) -> [UInt8] {
        bytes(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":{"i":\#(id)}}}"#)
    }
    var burst: [UInt8] = []
    var good: [[UInt8]] = []
    var refusals: [(id: String, code: Int)] = []
    for round in 0..<50 {
        let base = round * 10
        good.append(call(base + 1, "good"))
        burst += good.last! + [0x0A]
        switch round % 5 {
        case 0: // not JSON at all
            burst += bytes(#"{"jsonrpc":"2.0","id":\#(base + 2),"method":"tools/call","params":{"#) + [0x0A]
            refusals.append(("\(base + 2)", -32700))
        case 1: // the same key twice, once escaped: the wall and the server could read different names
            burst += bytes(#"{"jsonrpc":"2.0","id":\#(base + 2),"method":"tools/call","params":{"name":"good","n\u0061me":"bad"}}"#) + [0x0A]
            refusals.append(("\(base + 2)", -32700))
        case 2: // invalid UTF-8 inside an argument
            burst += bytes(#"{"jsonrpc":"2.0","id":\#(base + 2),"method":"tools/call","params":{"name":"good","arguments":{"x":""#) + [0xC0, 0xAF] + bytes(#""}}}"#) + [0x0A]
            refusals.append(("\(base + 2)", -32700))
        case 3: // a denied tool, with params before method (read in a second step)
            burst += bytes(#"{"params":{"name":"bad","arguments":{}},"jsonrpc":"2.0","id":\#(base + 2),"method":"tools/call"}"#) + [0x0A]
            refusals.append(("\(base + 2)", 0))
        default: // a denied tool behind an escaped "method" key
            burst += bytes(#"{"jsonrpc":"2.0","id":\#(base + 2),"\u006dethod":"tools/call","params":{"name":"bad"}}"#) + [0x0A]
            refusals.append(("\(base + 2)", 0))
        }
        burst += [0x0A] // blank lines are skipped
        let note = bytes(#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":\#(base),"progress":1}}"#)
        good.append(note)
        burst += note + [0x0D, 0x0A]
    }
    try ProxyRig.writeAll(rig.clientWrite, burst)
    for (i, g) in good.enumerated() {
        let got = try rig.readServer()
        // A CRLF line is forwarded as received.
        #expect(got == (i % 2 == 1 ? g + [0x0D] : g), "line \(i)")
    }
    for r in refusals {
        let reply = try JSONParser.parse(try #require(try rig.readClient()))
        #expect(reply["id"] == .number(r.id))
        if r.code == 0 {
            guard case .object(let result)? = reply["result"] else { Issue.record("expected a tool error: \(reply)"); continue }
            #expect(result.first { $0.0 == "isError" }?.1 == .bool(true))
        } else {
            #expect(reply["error"]?["code"] == .number(String(r.code)))
        }
    }
    let left = try rig.finish()
    #expect(left.client.isEmpty && left.server.isEmpty)
}

@Test func envelopeReadsKeysAfterUnescapingAndParamsInAnyOrder() throws {
    func env(_ s: String, params: Bool = true) throws(EnvelopeFault) -> Envelope {
        let b = bytes(s)
        let r: Result<Envelope, EnvelopeFault> = b.withUnsafeBytes { raw in
            do throws(EnvelopeFault) { return .success(try Envelope.parse(raw, materializeParams: params)) } catch { return .failure(error) }
        }
        return try r.get()
    }
    let escaped = try env(#"{"\u006Asonrpc":"2.0","\u0069d":3,"meth\u006fd":"tools/call","p\u0061rams":{"name":"x"}}"#)
    #expect(escaped.kind == .request(method: "tools/call"))
    #expect(escaped.idText == "3")
    #expect(escaped.params?.value?["name"] == .string("x"))
    // params before method: built afterwards for a method the wall reads, left unbuilt otherwise.
    let late = try env(#"{"params":{"name":"y","arguments":{"a":[1]}},"jsonrpc":"2.0","id":"k","method":"tools/call"}"#)
    #expect(late.params?.value?["arguments"]?["a"] == .array([.number("1")]))
    let other = try env(#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///x"}}"#)
    #expect(other.params != nil && other.params?.value == nil)
    // The server side never builds params.
    #expect(try env(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}"#, params: false).params?.value == nil)
    let response = try env(#"{"result":{"tools":[]},"id":9,"jsonrpc":"2.0"}"#, params: false)
    #expect(response.kind == .response && response.result?.leadByte == UInt8(ascii: "{"))
    // Refusals the envelope itself decides.
    #expect(throws: EnvelopeFault.self) { _ = try env(#"{"jsonrpc":"2.0","id":1,"\u0069d":2,"method":"ping"}"#) }
    #expect(throws: EnvelopeFault.self) { _ = try env(#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}"#) }
    #expect(throws: EnvelopeFault.self) { _ = try env(#"{"jsonrpc":"2.0","id":1,"result":1,"error":{}}"#, params: false) }
    #expect(throws: EnvelopeFault.self) { _ = try env(#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#) }
    // The version is compared on its bytes, but an escaped spelling of "2.0" is still "2.0"; anything
    // else (another string, a number, an escaped near miss) is refused.
    #expect(try env(#"{"jsonrpc":"\u0032.0","id":1,"method":"ping"}"#).kind == .request(method: "ping"))
    #expect(try env(#"{"jsonrpc":"2\u002e0","id":1,"result":{}}"#, params: false).kind == .response)
    for version in [#""2.00""#, #""2.0 ""#, #"2.0"#, #""\u0032.1""#, #""""#, #"null"#, #"["2.0"]"#] {
        #expect(throws: EnvelopeFault.self, "\(version)") { _ = try env(#"{"jsonrpc":"# + version + #","id":1,"method":"ping"}"#) }
    }
    #expect(throws: EnvelopeFault.self) { _ = try env(#"{"id":1,"method":"ping"}"#) }
    #expect(throws: EnvelopeFault.self) { _ = try env(#"{"jsonrpc":"2.1","id":1,"method":"ping"}"#) }
    #expect(throws: EnvelopeFault.self) { _ = try env(#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#) }
}

@Test func toolPlansStayRightBeyondTheCache() {
    // A client inventing tool names (more than the plan cache holds) gets the same decisions as a client
    // calling a few: the cache is an optimisation, never a verdict.
    var p = MCPPolicy()
    p.tools.deny = ["bad*"]
    p.tools.hide = ["secret"]
    let policy = CompiledPolicy(policy: p, rules: [], previous: nil)
    let context = RuleContext(workingDirectory: "/work", home: "/home/u")
    for round in 0..<2 {
        for i in 0..<(CompiledPolicy.maxCachedPlans + 500) {
            let name = i % 3 == 0 ? "bad\(i)" : (i % 3 == 1 ? "ok\(i)" : "secret")
            let d = policy.decide(ToolCall(name: name, arguments: .object([]), requestID: "\(i)"), context: context, observe: false)
            switch i % 3 {
            case 0: #expect(d?.rule == "tools.deny", "round \(round) \(name)")
            case 1: #expect(d == nil, "round \(round) \(name)")
            default: #expect(d?.rule == "tools.hide", "round \(round) \(name)")
            }
        }
    }
}

@Test func inFlightTrackerShowsWhatInFlightCallsWould() {
    // Differential: the same calls begun and ended on a plain InFlightCalls (the reference) and on the
    // tracker; what the syscall report reads (`current`) must agree after every step, with reused ids and
    // answers in any order. The reference ends the newest call with an id; the proxy ends the call its
    // request table holds for that id, which is the newest one: the test does the same.
    var rng = SeededGenerator(seed: 0xC0FFEE)
    for _ in 0..<20 {
        let reference = InFlightCalls()
        let sink = InFlightCalls()
        let tracker = InFlightTracker(sink)
        var open: [String] = []
        var numbers: [String: [Int]] = [:]
        for step in 0..<3000 {
            if open.isEmpty || rng.next() % 3 != 0 {
                // Ids from a small set, so some are reused while still in flight.
                let id = String(rng.next() % 40)
                let tag = ToolCallTag(tool: "t\(rng.next() % 3)", requestID: id)
                reference.begin(tag)
                numbers[id, default: []].append(tracker.begin(tag))
                // The proxy publishes right before it writes the call to the server.
                tracker.publish()
                open.append(id)
            } else {
                // Mostly the oldest (a pipelining server answers in order), sometimes any.
                let pick = rng.next() % 4 == 0 ? Int(rng.next() % UInt64(open.count)) : 0
                let id = open.remove(at: pick)
                reference.end(requestID: id)
                if let n = numbers[id]?.popLast() {
                    tracker.end(n)
                    // A late answer after a cancellation ends the same call again: nothing changes.
                    if rng.next() % 10 == 0 { tracker.end(n) }
                }
            }
            #expect(sink.current == reference.current, "step \(step)")
            if sink.current != reference.current { return }
        }
    }
}

@Test func inFlightTrackerStaysSmallUnderPipelining() {
    let sink = InFlightCalls()
    let tracker = InFlightTracker(sink)
    var numbers: [Int] = []
    for i in 0..<100_000 {
        numbers.append(tracker.begin(ToolCallTag(tool: "echo", requestID: String(i))))
        tracker.publish()
        if i >= 200 { tracker.end(numbers[i - 200]) }
        #expect(sink.current?.requestID == String(i))
    }
    #expect(tracker.count == 200)
    for i in (100_000 - 200)..<100_000 { tracker.end(numbers[i]) }
    #expect(tracker.count == 0 && sink.current == nil)
    tracker.end(numbers[0])
    #expect(tracker.count == 0 && sink.current == nil)
}

@Test func callsAreListedWhenTheirBatchIsWritten() {
    // A batch of calls is listed once, before its write: the newest call of the batch, never one the
    // server cannot have seen yet after the write.
    let sink = InFlightCalls()
    let tracker = InFlightTracker(sink)
    let a = tracker.begin(ToolCallTag(tool: "a", requestID: "1"))
    _ = tracker.begin(ToolCallTag(tool: "b", requestID: "2"))
    #expect(sink.current == nil)
    tracker.publish()
    #expect(sink.current == ToolCallTag(tool: "b", requestID: "2"))
    tracker.end(a)
    #expect(sink.current == ToolCallTag(tool: "b", requestID: "2"))
    _ = tracker.begin(ToolCallTag(tool: "c", requestID: "3"))
    tracker.publish()
    #expect(sink.current == ToolCallTag(tool: "c", requestID: "3"))
}

@Test func numericTestsReadIntegersExactly() {
    for text in ["0", "-0", "7", "-12", "999999999999999", "-999999999999999", "1000000", "000"] {
        #expect(CompiledCondition.smallInteger(text) == Double(text), "\(text)")
    }
    #expect(CompiledCondition.smallInteger("-0")?.sign == .minus)
    // Everything else is left to Double(_:).
    for text in ["1.5", "1e3", "1E+3", "-", "", "9999999999999999", "12a", "+1", " 1"] {
        #expect(CompiledCondition.smallInteger(text) == nil, "\(text)")
    }
}

@Test func arrivedBytesJoinTheBufferWithoutMovingIt() throws {
    // The loops gather lines that have already arrived into the current batch; the buffered bytes (which
    // the batch points into) must stay where they are, and nothing may block.
    var fds: [Int32] = [-1, -1], wake: [Int32] = [-1, -1]
    #expect(pipe(&fds) == 0 && pipe(&wake) == 0)
    defer { for fd in fds + wake { close(fd) } }
    let reader = LineReader(fd: fds[0], maxLineBytes: 1 << 16, wakeFD: wake[0])
    #expect(!reader.readArrivedInPlace())            // nothing has arrived: returns at once
    try ProxyRig.writeAll(fds[1], bytes("{\"a\":1}\n{\"b\""))
    guard case .line(let first, _) = reader.next() else { Issue.record("no first line"); return }
    let firstStart = first.baseAddress
    #expect(Array(first) == bytes(#"{"a":1}"#))
    #expect(!reader.hasBufferedLine)
    try ProxyRig.writeAll(fds[1], bytes(":2}\n{\"c\":3}\n"))
    #expect(reader.readArrivedInPlace())
    #expect(reader.hasBufferedLine)
    #expect(first.baseAddress == firstStart && Array(first) == bytes(#"{"a":1}"#))
    guard case .line(let second, _) = reader.next(), case .line(let third, _) = reader.next() else { Issue.record("lines lost"); return }
    #expect(Array(second) == bytes(#"{"b":2}"#) && Array(third) == bytes(#"{"c":3}"#))
    close(fds[1]); fds[1] = -1
    #expect(!reader.readArrivedInPlace())            // end of stream is left to next()
    guard case .end = reader.next() else { Issue.record("end not reported"); return }
}


@Test func singleArgumentFastPathDecidesLikeTheGeneralPath() {
    // One-key tests on a present, non-array value skip path resolution. On generated arguments (missing
    // keys, arrays, nested objects, wrong types) and tests of every op, the denial (or none) and its text
    // must be exactly what the general path gives.
    var rng = SeededGenerator(seed: 0xFA57)
    let keys = ["a", "b", "c"]
    func value(_ depth: Int = 0) -> JSONValue {
        switch rng.next() % (depth > 1 ? 5 : 7) {
        case 0: return .number(rng.pick(["1", "-3", "10", "2.5", "1e3", "0"]))
        case 1: return .string(rng.pick(["ls", "sudo rm", "/work/x", "/etc/passwd", "", "a/../b", "hard"]))
        case 2: return .bool(rng.next() % 2 == 0)
        case 3: return .null
        case 4: return .string("x\(rng.next() % 3)")
        case 5: return .array((0..<Int(rng.next() % 3)).map { _ in value(depth + 1) })
        default: return .object([(rng.pick(keys), value(depth + 1))])
        }
    }
    func op() -> ConditionOp {
        switch rng.next() % 9 {
        case 0: return .eq(rng.pick([.string("ls"), .number(1), .bool(true), .null]))
        case 1: return .in([.string("hard"), .number(10)])
        case 2: return .glob("/work/**")
        case 3: return .regex("sudo .*")
        case 4: return .regex("(unclosed")
        case 5: return .lt(5)
        case 6: return .gte(1)
        case 7: return .exists(rng.next() % 2 == 0)
        default: return .lte(10)
        }
    }
    var compared = 0
    for _ in 0..<3000 {
        let rule = ConditionRule(id: "r", tools: ["*"],
                                 require: (0..<Int(rng.next() % 3)).map { _ in ArgumentTest(argument: rng.pick(keys + ["a.b"]), op: op()) },
                                 denyIf: (0..<Int(rng.next() % 3)).map { _ in ArgumentTest(argument: rng.pick(keys + ["c.a"]), op: op()) })
        let condition = CompiledCondition(rule)
        for _ in 0..<4 {
            var members: [(String, JSONValue)] = []
            for k in keys where rng.next() % 4 != 0 { members.append((k, value())) }
            let args = JSONValue.object(members)
            let fast = condition.evaluate(args), general = condition.evaluate(args, fastPath: false)
            #expect(fast?.reason == general?.reason, "\(rule) \(args)")
            #expect(fast.map { $0.args.map { "\($0.0)=\($0.1)" } } == general.map { $0.args.map { "\($0.0)=\($0.1)" } })
            compared += 1
        }
    }
    #expect(compared == 12_000)
}
