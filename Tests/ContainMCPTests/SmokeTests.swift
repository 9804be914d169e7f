import Testing
@testable import ContainMCP
import ContainProfile

@Test func policyEngineBuildsOneEvaluatorPerRule() {
    var p = MCPPolicy()
    p.commands = [CommandRule(id: "shell.commands", tools: ["shell_execute"], argument: "command")]
    p.paths = [PathRule(id: "fs.paths", tools: ["read_*"])]
    let rules = PolicyEngine.rules(for: p)
    #expect(rules.map(\.id) == ["shell.commands", "fs.paths"])
    #expect(rules[0].applies(to: "shell_execute"))
    #expect(!rules[0].applies(to: "read_file"))
    #expect(rules[1].applies(to: "read_file"))
}

@Test func requestTableMemoryFollowsOutstandingRequestsNotTotal() {
    // A long session: a million requests, each answered. The table must not keep a trace of each.
    let t = RequestTable()
    for i in 0..<1_000_000 {
        let k = RequestKey(.number(String(i)))!
        #expect(t.insertIfAbsent(k, PendingRequest(method: "tools/call", idText: String(i), tool: nil)) == .inserted)
        _ = t.remove(k)
    }
    #expect(t.count == 0)
}

@Test func requestTableEvictsOldestBeyondCapacity() {
    // A client that never gets answers (or floods ids) cannot grow the table without bound.
    let t = RequestTable()
    let total = 3 * RequestTable.capacity + 10
    for i in 0..<total {
        _ = t.insertIfAbsent(RequestKey(.number(String(i)))!, PendingRequest(method: "ping", idText: String(i), tool: nil))
        #expect(t.count <= RequestTable.capacity)
    }
    #expect(t.count >= RequestTable.capacity - RequestTable.evictBatch)
    // The oldest went first: what is left is exactly the newest `count` requests.
    let kept = t.count
    #expect(t.lookup(RequestKey(.number("0"))!) == nil)
    #expect(t.lookup(RequestKey(.number(String(total - kept - 1)))!) == nil)
    #expect(t.lookup(RequestKey(.number(String(total - kept)))!) != nil)
    #expect(t.lookup(RequestKey(.number(String(total - 1)))!) != nil)
}

@Test func evictedCallsAreHandedBackSoTheirInFlightEntriesEnd() {
    // A server that never answers: past capacity, the oldest calls leave the table, and the caller gets
    // their in-flight numbers to end (the tracker would otherwise keep every one of them forever).
    let t = RequestTable()
    var handedBack: [Int] = []
    for i in 0...RequestTable.capacity {
        let r = PendingRequest(method: "tools/call", idText: String(i), tool: "x", call: i)
        switch t.insertIfAbsent(RequestKey(.number(String(i)))!, r) {
        case .inserted: break
        case .duplicate: Issue.record("no duplicate was sent")
        case .insertedEvicting(let calls): handedBack += calls
        }
    }
    #expect(handedBack.sorted() == Array(0..<RequestTable.evictBatch))
    #expect(t.insertIfAbsent(RequestKey(.number(String(RequestTable.capacity)))!,
                             PendingRequest(method: "ping", idText: "", tool: nil)) == .duplicate)
}

@Test func aCancelledCallsNumberIsTakenOnce() {
    let t = RequestTable()
    let k = RequestKey(.number("7"))!
    #expect(t.insertIfAbsent(k, PendingRequest(method: "tools/call", idText: "7", tool: "x", call: 41)) == .inserted)
    #expect(t.takeCall(k) == 41)
    #expect(t.takeCall(k) == nil)           // a second cancel ends nothing
    #expect(t.remove(k)?.call == nil)       // nor does the late answer
}
