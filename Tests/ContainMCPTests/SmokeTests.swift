import Testing
@testable import ContainMCP
import ContainProfile

@Test func policyEngineFailsClosedForUnwiredKinds() {
    var p = MCPPolicy()
    p.commands = [CommandRule(id: "shell.commands", tools: ["shell_execute"], argument: "command")]
    let rules = PolicyEngine.rules(for: p)
    #expect(rules.count == 1)
    #expect(rules[0].applies(to: "shell_execute"))
    #expect(!rules[0].applies(to: "read_file"))
}
