// Stream-level behaviour that transcripts cannot express: big messages, lines split across reads,
// reload, shutdown, a vanished peer.

#if canImport(Glibc)
import Glibc
#endif
import Testing
import ContainAudit
import ContainProfile
import ContainRuleKit
@testable import ContainMCP

/// Reads exactly `count` bytes plus a newline from `fd` (hang protection via poll).
private func readExactLine(_ fd: Int32, count: Int) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count + 1)
    var got = 0
    while got < count + 1 {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let r = poll(&p, 1, 60_000)
        if r == 0 { throw HarnessError("stuck after \(got) of \(count + 1) bytes") }
        if r < 0 { continue }
        let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count + 1 - got) }
        if n == 0 { throw HarnessError("end of stream after \(got) bytes") }
        if n > 0 { got += n }
    }
    return out
}

/// `line` is `content` plus a newline (memcmp: an element-wise compare of 50 MiB is slow in debug builds).
private func sameBytes(_ line: [UInt8], _ content: [UInt8]) -> Bool {
    guard line.count == content.count + 1, line.last == 0x0A else { return false }
    return line.withUnsafeBytes { a in content.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, b.count) == 0 } }
}

private func writerThread(_ fd: Int32, _ bytes: [UInt8], chunk: Int = 1 << 20) -> pthread_t? {
    Threads.spawn {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, min(chunk, bytes.count - off)) }
            if n < 0 { if errno == EINTR { continue }; return }
            off += n
        }
    }
}

@Test func fiftyMiBMessagesPassIntactBothWays() throws {
    let rig = try ProxyRig(policy: MCPPolicy())
    rig.start()
    // A write_file of 50 MiB of base64-ish text with escapes and non-ASCII sprinkled in.
    var payload = [UInt8]()
    payload.reserveCapacity(50 << 20)
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var x: UInt64 = 42
    while payload.count < 50 << 20 {
        x = x &* 6364136223846793005 &+ 1442695040888963407
        payload.append(alphabet[Int(x >> 58)])
        if x % 4099 == 0 { payload.append(contentsOf: Array("\\n\\u00e9é\\\"".utf8)) }
    }
    let request = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_file","arguments":{"path":"/work/big","content":""#.utf8)
        + payload + Array(#""}}}"#.utf8)
    let w = writerThread(rig.clientWrite, request + [0x0A])
    let atServer = try readExactLine(rig.serverRead, count: request.count)
    if let w { Threads.join(w) }
    #expect(atServer.count == request.count + 1)
    #expect(sameBytes(atServer, request), "the request reached the server byte-for-byte")
    #expect(atServer.last == 0x0A)

    let response = Array(#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":""#.utf8) + payload + Array(#""}]}}"#.utf8)
    let w2 = writerThread(rig.serverWrite, response + [0x0A])
    let atClient = try readExactLine(rig.clientRead, count: response.count)
    if let w2 { Threads.join(w2) }
    #expect(sameBytes(atClient, response), "the result reached the client byte-for-byte")
    let left = try rig.finish()
    #expect(left.client.isEmpty && left.server.isEmpty)
}

@Test func overCapLineSplitAcrossManyReadsKeepsSync() throws {
    var p = MCPPolicy()
    p.maxLineBytes = 1000
    let rig = try ProxyRig(policy: p)
    rig.start()
    // 300 KB arriving 4 KiB at a time: the reader must skip it without holding it, then resync.
    let big = Array(#"{"jsonrpc":"2.0","id":77,"method":"tools/call","params":{"name":"w","arguments":{"c":""#.utf8)
        + [UInt8](repeating: UInt8(ascii: "q"), count: 300_000) + Array(#""}}}"#.utf8)
    let next = Array(#"{"jsonrpc":"2.0","id":78,"method":"ping"}"#.utf8)
    let w = writerThread(rig.clientWrite, big + [0x0A] + next + [0x0A], chunk: 4096)
    let err = try #require(try rig.readClient())
    let v = try JSONParser.parse(err)
    #expect(v["id"] == .number("77"))
    #expect(v["error"]?["code"] == .number("-32600"))
    #expect(try rig.readServer() == next)
    if let w { Threads.join(w) }
    let left = try rig.finish()
    #expect(left.client.isEmpty && left.server.isEmpty)
}

@Test func reloadSwapsPolicyForNextCallsAndListings() throws {
    let rig = try ProxyRig(policy: MCPPolicy())
    rig.start()
    let call = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"danger","arguments":{}}}"#.utf8)
    try rig.sendClient(call)
    #expect(try rig.readServer() == call)
    var strict = MCPPolicy()
    strict.tools.deny = ["danger"]
    rig.session.replacePolicy(strict, rules: [])
    let call2 = Array(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"danger","arguments":{}}}"#.utf8)
    try rig.sendClient(call2)
    let reply = try JSONParser.parse(try #require(try rig.readClient()))
    #expect(reply["result"]?["isError"] == .bool(true))
    let list = Array(#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#.utf8)
    try rig.sendClient(list)
    #expect(try rig.readServer() == list)
    try rig.sendServer(Array(#"{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"danger"},{"name":"safe"}]}}"#.utf8))
    #expect(try rig.readClient() == Array(#"{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"safe"}]}}"#.utf8))
    _ = try rig.finish()
}

@Test func semanticRulesPlugIn() throws {
    // The extension point the command/path/kubernetes kinds use: an applicable rule's denial wins.
    struct NoRoot: ToolCallRule {
        let id = "test.noroot"
        func applies(to tool: String) -> Bool { tool == "exec" }
        func evaluate(_ call: ToolCall, context: RuleContext) -> RuleVerdict {
            call.arguments["user"] == .string("root") ? .deny(rule: id, reason: "no root in \(context.workingDirectory)") : .allow
        }
    }
    let rig = try ProxyRig(policy: MCPPolicy(), rules: [NoRoot()])
    rig.start()
    try rig.sendClient(Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"exec","arguments":{"user":"root"}}}"#.utf8))
    let reply = try JSONParser.parse(try #require(try rig.readClient()))
    #expect(reply["result"]?["content"]?[0]?["text"] == .string("Blocked by contain: test.noroot: no root in /work"))
    let ok = Array(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"exec","arguments":{"user":"bob"}}}"#.utf8)
    try rig.sendClient(ok)
    #expect(try rig.readServer() == ok)
    let other = Array(#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"read","arguments":{"user":"root"}}}"#.utf8)
    try rig.sendClient(other)
    #expect(try rig.readServer() == other)
    _ = try rig.finish()
}

@Test func wiredCommandRulesDecideThroughTheProxy() throws {
    // The engine's command kind, end to end through the session: an attacker asks the shell tool for rm.
    var p = MCPPolicy()
    var rule = CommandRule(id: "shell.commands", tools: ["shell_execute"], argument: "command")
    rule.allow = ["ls": CommandSpec()]
    p.commands = [rule]
    let rig = try ProxyRig(policy: p, rules: PolicyEngine.rules(for: p))
    rig.start()
    try rig.sendClient(Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"shell_execute","arguments":{"command":"ls; rm -rf /"}}}"#.utf8))
    let reply = try JSONParser.parse(try #require(try rig.readClient()))
    #expect(reply["result"]?["isError"] == .bool(true))
    let text = reply["result"]?["content"]?[0]?["text"]?.stringValue ?? ""
    #expect(text.hasPrefix("Blocked by contain: shell.commands: "))
    let ok = Array(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"shell_execute","arguments":{"command":"ls -la"}}}"#.utf8)
    try rig.sendClient(ok)
    #expect(try rig.readServer() == ok)
    let left = try rig.finish()
    #expect(left.client.isEmpty && left.server.isEmpty)
}

@Test func serverExitEndsTheSessionWhileTheClientKeepsStdinOpen() throws {
    let rig = try ProxyRig(policy: MCPPolicy())
    rig.start()
    rig.closeFD(rig.serverWrite)
    // The client still holds its end open; the proxy must still finish: client output ends...
    #expect(try rig.readClient() == nil)
    // ...and the server's stdin is closed too.
    #expect(try rig.readServer() == nil)
    _ = try? rig.finish()
}

@Test func stopEndsBothDirections() throws {
    let rig = try ProxyRig(policy: MCPPolicy())
    rig.start()
    rig.session.stop()
    #expect(try rig.readServer() == nil)
    #expect(try rig.readClient() == nil)
    _ = try? rig.finish()
}

@Test func vanishedClientDoesNotKillTheProxy() throws {
    // The client closes its reading end; answers to it hit EPIPE, which must not kill or wedge the wall.
    let rig = try ProxyRig(policy: MCPPolicy())
    rig.start()
    rig.closeFD(rig.clientRead)
    try rig.sendClient(Array("garbage".utf8))
    try rig.sendServer(Array(#"{"jsonrpc":"2.0","method":"notifications/message","params":{}}"#.utf8))
    let ping = Array(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8)
    try rig.sendClient(ping)
    #expect(try rig.readServer() == ping)
    rig.closeFD(rig.clientWrite)
    #expect(try rig.readServer() == nil)
    _ = try rig.finish()
}

@Test func pipelinedBurstArrivesInOrderAndWhole() throws {
    // 2000 requests in one write (a pipelining client): gathered writes must keep order and bytes, with
    // refusals answered in between, and every line whole.
    var p = MCPPolicy()
    p.tools.deny = ["bad"]
    let rig = try ProxyRig(policy: p)
    rig.start()
    var burst: [UInt8] = []
    var expected: [[UInt8]] = []
    for i in 0..<2000 {
        let tool = i % 7 == 0 ? "bad" : "good"
        let line = Array(#"{"jsonrpc":"2.0","id":\#(i),"method":"tools/call","params":{"name":"\#(tool)","arguments":{"i":\#(i)}}}"#.utf8)
        burst += line + [0x0A]
        if tool == "good" { expected.append(line) }
    }
    let w = writerThread(rig.clientWrite, burst, chunk: 1 << 16)
    for e in expected { #expect(try rig.readServer() == e) }
    for i in stride(from: 0, to: 2000, by: 7) {
        let reply = try JSONParser.parse(try #require(try rig.readClient()))
        #expect(reply["id"] == .number(String(i)))
    }
    if let w { Threads.join(w) }
    let left = try rig.finish()
    #expect(left.client.isEmpty && left.server.isEmpty)
}

@Test func refusedRequestsLeaveNoTraceInTheTables() throws {
    // A request is entered in the pending table as its id is checked, before the policy decides. One that
    // is refused must be taken out again: its id stays free, nothing is listed in flight, and the next
    // request under the same id goes through; while a forwarded one is pending, the id stays taken.
    struct NoRoot: ToolCallRule {
        let id = "test.noroot"
        func applies(to tool: String) -> Bool { tool == "exec" }
        func evaluate(_ call: ToolCall, context: RuleContext) -> RuleVerdict {
            call.arguments["user"] == .string("root") ? .deny(rule: id, reason: "no root") : .allow
        }
    }
    let rig = try ProxyRig(policy: MCPPolicy(), rules: [NoRoot()],
                           rootsChecker: { _ in .deny(rule: "fs.roots", reason: "not here") })
    rig.start()
    for _ in 0..<3 {
        try rig.sendClient(Array(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"exec","arguments":{"user":"root"}}}"#.utf8))
        let reply = try JSONParser.parse(try #require(try rig.readClient()))
        #expect(reply["result"]?["isError"] == .bool(true))
        #expect(rig.inFlight.current == nil)
    }
    // Invalid params are refused before the id is taken, too.
    try rig.sendClient(Array(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"exec","arguments":[1]}}"#.utf8))
    #expect(try JSONParser.parse(try #require(try rig.readClient()))["error"]?["code"] == .number("-32602"))
    // An initialize whose roots are refused frees its id as well (the roots checker denies everything).
    try rig.sendClient(Array(#"{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"roots":[{"uri":"file:///etc"}]}}"#.utf8))
    #expect(try JSONParser.parse(try #require(try rig.readClient()))["error"]?["code"] == .number("-32602"))
    let ok = Array(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"exec","arguments":{"user":"bob"}}}"#.utf8)
    try rig.sendClient(ok)
    #expect(try rig.readServer() == ok)
    #expect(rig.inFlight.current == ToolCallTag(tool: "exec", requestID: "7"))
    // Pending now: the same id again is a duplicate, whatever the policy would say, and is not listed.
    try rig.sendClient(Array(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"exec","arguments":{"user":"root"}}}"#.utf8))
    #expect(try JSONParser.parse(try #require(try rig.readClient()))["error"]?["code"] == .number("-32600"))
    #expect(rig.inFlight.current == ToolCallTag(tool: "exec", requestID: "7"))
    try rig.sendServer(Array(#"{"jsonrpc":"2.0","id":7,"result":{"content":[]}}"#.utf8))
    #expect(try rig.readClient() != nil)
    #expect(rig.inFlight.current == nil)
    let left = try rig.finish()
    #expect(left.client.isEmpty && left.server.isEmpty)
}
