// The tools/call decision: tools access, generic conditions, the semantic rule kinds (command, path,
// kubernetes: `ToolCallRule`s), then rate limits. Rate limits come last so a call refused for another
// reason does not use up the budget; the first denial wins and is reported with its rule id.

import ContainAudit
import ContainProfile
import ContainRuleKit
import ContainShellRules
import ContainPathRules
import ContainKubeRules
import Synchronization

public enum PolicyEngine {
    /// The semantic rule kinds for `policy`, in profile order per kind.
    public static func rules(for policy: MCPPolicy) -> [any ToolCallRule] {
        var rules: [any ToolCallRule] = []
        rules += policy.commands.map { CommandRuleEvaluator(rule: $0) }
        rules += policy.paths.map { PathRuleEvaluator(rule: $0) }
        rules += policy.kubernetes.map { KubernetesRuleEvaluator(rule: $0) }
        return rules
    }

    /// Checks client-offered roots against the profile's path rules (the reference filesystem server
    /// replaces its allowed directories with the client's roots), or nil when roots are not policed.
    public static func rootsChecker(for policy: MCPPolicy, context: RuleContext) -> (@Sendable (JSONValue) -> RuleVerdict)? {
        guard policy.checkRoots, !policy.paths.isEmpty else { return nil }
        let evaluators = policy.paths.map { PathRuleEvaluator(rule: $0) }
        return { roots in
            for e in evaluators {
                let verdict = e.checkRoots(roots, context: context)
                if case .deny = verdict { return verdict }
            }
            return .allow
        }
    }
}

/// What a policy's name selectors (tools lists, each condition's, rule's and rate limit's `tools`) say
/// about one tool. Glob matching allocates; a client calls the same few tools over and over. A class: a
/// call takes the cached plan with one retain instead of copying its lists.
final class ToolPlan: Sendable {
    let denial: (rule: String, reason: String)?
    let conditions: [Int]
    let rules: [Int]
    let limits: [Int]

    init(denial: (rule: String, reason: String)?, conditions: [Int], rules: [Int], limits: [Int]) {
        self.denial = denial; self.conditions = conditions; self.rules = rules; self.limits = limits
    }
}

/// Everything one policy load decides with; swapped whole on reload (a class: taking it per message is
/// one retain, not a copy of every list in the policy).
final class CompiledPolicy: Sendable {
    let policy: MCPPolicy
    let access: ToolAccess
    let conditions: [CompiledCondition]
    let rules: [any ToolCallRule]
    let limiter: RateLimiter
    /// Plans by tool name, and the last one asked for (most calls repeat a tool: no hashing then).
    /// Bounded: a client inventing names gets its plans worked out per call instead.
    private let plans = Mutex<(last: (name: String, plan: ToolPlan)?, byName: [String: ToolPlan])>((nil, [:]))
    static let maxCachedPlans = 1024

    init(policy: MCPPolicy, rules: [any ToolCallRule], previous: CompiledPolicy?, clock: (@Sendable () -> Double)? = nil) {
        self.policy = policy
        access = ToolAccess(policy: policy.tools)
        conditions = policy.conditions.map(CompiledCondition.init)
        self.rules = rules
        limiter = RateLimiter(policy.rateLimits, carrying: previous?.limiter, clock: clock ?? previous?.limiter.clock ?? MonotonicClock.now)
    }

    struct Decision {
        var rule: String
        var reason: String
        var args: [(String, String)]
    }

    /// `ToolCallRule.applies(to:)` depends on the name only (its contract), so the plan is a pure function
    /// of the name and this policy, and caching it changes no decision.
    func plan(for tool: String) -> ToolPlan {
        let cached: ToolPlan? = plans.withLock { c in
            if let last = c.last, last.name == tool { return last.plan }
            guard let p = c.byName[tool] else { return nil }
            c.last = (tool, p)
            return p
        }
        if let cached { return cached }
        let p = ToolPlan(denial: access.denial(for: tool),
                         conditions: conditions.indices.filter { conditions[$0].applies(to: tool) },
                         rules: rules.indices.filter { rules[$0].applies(to: tool) },
                         limits: limiter.applicableLimits(tool: tool))
        plans.withLock { c in
            if c.byName.count < CompiledPolicy.maxCachedPlans { c.byName[tool] = p; c.last = (tool, p) }
        }
        return p
    }

    /// nil: allowed. `consumeRate`: record the call in the rate windows when it passes everything else
    /// (observe mode records calls that are forwarded even though a rule would have refused them).
    func decide(_ call: ToolCall, context: RuleContext, observe: Bool) -> Decision? {
        let plan = plan(for: call.name)
        var first: Decision?
        if let d = plan.denial {
            first = Decision(rule: d.rule, reason: d.reason, args: [])
        }
        if first == nil {
            for i in plan.conditions {
                let c = conditions[i]
                if let d = c.evaluate(call.arguments) {
                    first = Decision(rule: c.rule.id, reason: d.reason, args: d.args)
                    break
                }
            }
        }
        if first == nil {
            for i in plan.rules {
                if case .deny(let rule, let reason) = rules[i].evaluate(call, context: context) {
                    first = Decision(rule: rule, reason: reason, args: [("arguments", render(call.arguments, limit: 512))])
                    break
                }
            }
        }
        if first == nil || observe {
            if let d = limiter.admit(tool: call.name, limits: plan.limits), first == nil {
                first = Decision(rule: d.rule, reason: d.reason, args: [])
            }
        }
        return first
    }
}
