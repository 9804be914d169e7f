// What a tool call would touch in the cluster, as the rule sees it. Every analyser (kubectl argv, API paths,
// manifests, per-tool argument semantics) reduces a call to a list of accesses or a refusal; the evaluator
// only ever checks accesses, so a new input form can never skip a check.

/// Where an access lands.
public enum KubeScope: Sendable, Hashable, CustomStringConvertible {
    /// One named namespace (already validated as a DNS-1123 label).
    case namespace(String)
    /// Every namespace at once (`-A`, a list without a namespace, `/api/v1/pods`).
    case allNamespaces
    /// A cluster-scoped resource or endpoint; the payload names it for messages.
    case cluster(String)
    /// Nothing in the cluster's data: discovery, version, explain, local help.
    case none

    public var description: String {
        switch self {
        case .namespace(let ns): return "namespace \"\(ns)\""
        case .allNamespaces: return "all namespaces"
        case .cluster(let what): return "cluster-scoped \(what)"
        case .none: return "no namespace"
        }
    }
}

public struct KubeAccess: Sendable, Hashable, CustomStringConvertible {
    /// The verb a profile's `verbs` list is checked against (get, list, watch, logs, delete, exec, ...).
    public var verb: String
    public var scope: KubeScope
    /// The resource or path, for messages ("pods", "nodes", "/api/v1/pods").
    public var resource: String

    public init(verb: String, scope: KubeScope, resource: String) {
        self.verb = verb; self.scope = scope; self.resource = resource
    }

    public var description: String { "\(verb) \(resource) in \(scope)" }
}

/// Why a call cannot be analysed safely. Always ends in a denial.
public struct KubeRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
