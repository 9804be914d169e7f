import Testing
import ContainProfile
@testable import ContainPathRules

@Test func evaluatorUsesTheRuleID() {
    var rule = PathRule(id: "fs.paths", tools: ["*"])
    rule.allow = ["/nonexistent-root-for-smoke/**"]
    #expect(PathRuleEvaluator(rule: rule).id == "fs.paths")
}
