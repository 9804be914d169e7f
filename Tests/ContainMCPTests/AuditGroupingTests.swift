import ContainAudit
import Testing

/// The exit summary and --report group what was blocked. Tool calls refused for different reasons must stay
/// apart (a reader needs to see "rm" and "sh -c" as two refusals), repeats of one reason fold together, and a
/// client sending endless distinct refusals cannot grow the groups without bound.
@Suite struct AuditGroupingTests {
    func refusal(_ detail: String) -> AuditEvent {
        AuditEvent(wall: .transport, event: "tool_call", verdict: .blocked, rule: "shell.commands",
                   tool: "shell_execute", requestID: "1", detail: detail)
    }

    @Test func differentReasonsAreDifferentGroups() {
        let log = AuditLog(fd: nil)
        log.record(refusal("\"rm\" is not an allowed command"))
        log.record(refusal("\"sh\" is not an allowed command"))
        log.record(refusal("\"rm\" is not an allowed command"))
        let groups = log.groups
        #expect(groups.count == 2)
        #expect(groups.map(\.count).sorted() == [1, 2])
        #expect(Summary.text(log).contains("\"sh\" is not an allowed command"))
    }

    @Test func distinctReasonsFoldPastTheCap() {
        let log = AuditLog(fd: nil)
        for i in 0..<(AuditLog.maxGroups + 500) { log.record(refusal("reason \(i)")) }
        #expect(log.groups.count <= AuditLog.maxGroups + 1)
        #expect(log.blockedCount == AuditLog.maxGroups + 500)
    }

    @Test func networkAttemptsAreGroupedByDestination() {
        let log = AuditLog(fd: nil)
        for dest in ["10.0.0.1:443", "10.0.0.2:443", "10.0.0.1:443"] {
            log.record(AuditEvent(wall: .environment, event: "connect", verdict: .blocked, rule: "network.allow",
                                  exe: "/usr/bin/curl", syscall: "connect", args: [("address", dest)],
                                  detail: "blocked connect to \(dest) (not in network.allow)"))
        }
        #expect(log.groups.map(\.key.what) == ["10.0.0.1:443", "10.0.0.2:443"])
        #expect(Summary.text(log).contains("blocked connect to 10.0.0.1:443 x2 by /usr/bin/curl"))
    }
}
