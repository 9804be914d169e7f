// YAML text (helm values given as a string) as the JSON value tree the rules walk. Every non-null scalar
// becomes a string: helm renders `namespaceOverride: 123` as the namespace "123".

import ContainRuleKit
import Yams

enum YAMLToJSON {
    static func convert(_ text: String) throws(KubeRefusal) -> JSONValue {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw KubeRefusal("values are not valid YAML (\(String(describing: error).prefix(160)))")
        }
        guard let root else { return .null }
        var budget = 100_000
        return try value(root, budget: &budget, depth: 0)
    }

    private static func value(_ node: Node, budget: inout Int, depth: Int) throws(KubeRefusal) -> JSONValue {
        budget -= 1
        guard budget > 0, depth < 64 else { throw KubeRefusal("values too large to check") }
        switch node {
        case .scalar(let s):
            return node.tag.rawValue == Tag.Name.null.rawValue ? .null : .string(s.string)
        case .sequence(let seq):
            var items: [JSONValue] = []
            for n in seq { items.append(try value(n, budget: &budget, depth: depth + 1)) }
            return .array(items)
        case .mapping(let m):
            var members: [(String, JSONValue)] = []
            for (k, v) in m {
                guard case .scalar(let ks) = k else { throw KubeRefusal("values have a non-scalar key") }
                if ks.string == "<<" { throw KubeRefusal("YAML merge keys (<<) are not accepted in values") }
                members.append((ks.string, try value(v, budget: &budget, depth: depth + 1)))
            }
            return .object(members)
        case .alias:
            throw KubeRefusal("unresolved YAML alias in values")
        }
    }
}
