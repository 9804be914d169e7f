// YAML text (helm values given as a string) as the JSON value tree the rules walk, typed the way helm's YAML 1.1
// reader types it: `namespaceOverride: 0x1f` is the number 31 to helm, not the text "0x1f", so it must not reach
// the rules as that text (HelmValues refuses numbers and booleans where a namespace goes).

import ContainRuleKit
import ContainYAML

enum YAMLToJSON {
    static func convert(_ text: String) throws(KubeRefusal) -> JSONValue {
        let root: YAMLNode?
        do {
            root = try YAMLComposer.compose(text)
        } catch {
            throw KubeRefusal("values are not valid YAML (\(String(describing: error).prefix(160)))")
        }
        guard let root else { return .null }
        var budget = 100_000
        return try value(root, budget: &budget, depth: 0)
    }

    private static func value(_ node: YAMLNode, budget: inout Int, depth: Int) throws(KubeRefusal) -> JSONValue {
        budget -= 1
        guard budget > 0, depth < 64 else { throw KubeRefusal("values too large to check") }
        switch node.content {
        case .scalar(let s, _):
            // helm reads values with a YAML 1.1 library: whatever it may take for null is null here. A tag
            // it decodes differently (`!!binary` is base64) would hide the text helm uses.
            switch node.type(in: .yaml11) {
            case .null: return .null
            case .tagged(let tag): throw KubeRefusal("values carry the YAML tag \(tag.prefix(40)), which helm may decode differently")
            case .bool: return .bool(["y", "yes", "true", "on"].contains(s.lowercased()))
            case .int, .float: return .number(s)
            default: return .string(s)
            }
        case .sequence(let seq):
            var items: [JSONValue] = []
            for n in seq { items.append(try value(n, budget: &budget, depth: depth + 1)) }
            return .array(items)
        case .mapping(let m):
            var members: [(String, JSONValue)] = []
            for pair in m {
                guard let key = pair.key.scalar else { throw KubeRefusal("values have a non-scalar key") }
                if key == "<<" { throw KubeRefusal("YAML merge keys (<<) are not accepted in values") }
                if case .tagged(let tag) = pair.key.type(in: .yaml11) {
                    throw KubeRefusal("a values key carries the YAML tag \(tag.prefix(40)), which helm may decode differently")
                }
                members.append((key, try value(pair.value, budget: &budget, depth: depth + 1)))
            }
            return .object(members)
        }
    }
}
