import ContainProfile
import ContainShellRules

enum ContainShellRulesBridge {
    static func evaluator(_ rule: CommandRule) -> CommandRuleEvaluator { CommandRuleEvaluator(rule: rule) }
}
