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
