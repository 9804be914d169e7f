// The transport wall's hook for learn mode: a rule that applies to every tool, records the call with its
// full arguments, and allows it. The proxy's audit records of allowed calls carry no arguments, and
// learning needs them all (argv arrays, paths, namespaces), so learning sits where the policy reads them.

import ContainRuleKit

public struct LearningRule: ToolCallRule {
    public let id = "learn.record"
    let observation: Observation

    public init(observation: Observation) { self.observation = observation }

    public func applies(to tool: String) -> Bool { true }

    public func evaluate(_ call: ToolCall, context: RuleContext) -> RuleVerdict {
        observation.recordToolCall(name: call.name, arguments: call.arguments, requestID: call.requestID)
        return .allow
    }
}
