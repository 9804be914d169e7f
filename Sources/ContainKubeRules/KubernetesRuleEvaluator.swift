// The `kubernetes` rule kind: every applicable tool call is reduced to accesses (verb + namespace scope)
// and each access must pass the profile's verbs, namespaces and cluster-scope setting. Namespaces match
// with `Glob` name mode against the whole name, so `dev` never allows `dev-prod`; "all namespaces" is
// allowed only by a literal `*` entry.

import ContainProfile
import ContainRuleKit

public struct KubernetesRuleEvaluator: ToolCallRule {
    public let rule: KubernetesRule

    public init(rule: KubernetesRule) { self.rule = rule }

    public var id: String { rule.id }

    public func applies(to tool: String) -> Bool { Glob.matchAny(rule.tools, tool, mode: .name) }

    public func evaluate(_ call: ToolCall, context: RuleContext) -> RuleVerdict {
        do throws(KubeRefusal) {
            return check(try accesses(for: call), tool: call.name)
        } catch {
            return .deny(rule: rule.id, reason: "\(call.name): \(error.reason)")
        }
    }

    /// What a call would touch (for learn mode, audit detail and tests).
    public func accesses(for call: ToolCall) throws(KubeRefusal) -> [KubeAccess] {
        try ToolSemantics.accesses(call, .init(defaultNamespace: rule.defaultNamespace))
    }

    /// What a call would touch, without a rule (learn mode: the namespaces and verbs a workload uses).
    public static func accesses(for call: ToolCall, defaultNamespace: String) throws(KubeRefusal) -> [KubeAccess] {
        try ToolSemantics.accesses(call, .init(defaultNamespace: defaultNamespace))
    }

    /// What a kubectl argv (starting with `kubectl`) would touch, without a rule.
    public static func kubectlAccesses(_ argv: [String], stdin: String? = nil, defaultNamespace: String) throws(KubeRefusal) -> [KubeAccess] {
        guard let first = argv.first, ShellArgv.isKubectl(first) else {
            throw KubeRefusal("\"\(argv.first?.prefix(60) ?? "")\" is not kubectl")
        }
        let cl = try KubectlParser.parse(Array(argv.dropFirst()))
        return try KubectlSemantics.accesses(cl, .init(defaultNamespace: defaultNamespace, stdin: stdin))
    }

    /// For the shell rule's evaluator: one kubectl command found in a shell string, as argv starting with
    /// `kubectl` (or a path ending in `/kubectl`). `stdin` is what kubectl's stdin will hold when known.
    public func checkKubectlArgv(_ argv: [String], stdin: String? = nil, tool: String = "shell command") -> RuleVerdict {
        do throws(KubeRefusal) {
            return check(try Self.kubectlAccesses(argv, stdin: stdin, defaultNamespace: rule.defaultNamespace), tool: tool)
        } catch {
            return .deny(rule: rule.id, reason: "\(tool): \(error.reason)")
        }
    }

    func check(_ accesses: [KubeAccess], tool: String) -> RuleVerdict {
        for a in accesses {
            if let verbs = rule.verbs, !verbs.contains(a.verb), !verbs.contains("*") {
                return .deny(rule: rule.id, reason: "\(tool): verb \"\(a.verb)\" on \(a.resource) in \(a.scope) is not allowed (allowed verbs: \(verbs.joined(separator: ", ")))")
            }
            switch a.scope {
            case .none:
                continue
            case .namespace(let ns):
                if !Glob.matchAny(rule.namespaces, ns, mode: .name) {
                    return .deny(rule: rule.id, reason: "\(tool): namespace \"\(ns)\" is not allowed (\(a.verb) \(a.resource); allowed: \(allowedList))")
                }
            case .allNamespaces:
                if !rule.namespaces.contains("*") {
                    return .deny(rule: rule.id, reason: "\(tool): \(a.verb) \(a.resource) across all namespaces is not allowed (allowed: \(allowedList))")
                }
            case .cluster(let what):
                if !rule.allowClusterScoped {
                    return .deny(rule: rule.id, reason: "\(tool): \(a.verb) on \(what) is cluster-scoped and cluster_scoped is false")
                }
            }
        }
        return .allow
    }

    private var allowedList: String {
        rule.namespaces.isEmpty ? "none" : rule.namespaces.joined(separator: ", ")
    }
}
