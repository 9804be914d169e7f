// `extends:` merging, on the YAML tree so every value keeps the file and line it came from:
// child scalars override, mappings merge key by key, lists append without duplicates. In lists of rules
// (mappings with an `id`), a child rule with the id of a base rule replaces it in place, so a profile can
// tighten or loosen one named rule of its base without repeating the others.

enum ProfileMerge {
    static func merge(base: YNode, child: YNode) -> YNode {
        // An empty key in the child (`environment:`) adds nothing; it does not erase the base's section.
        if case .scalar(let s, true) = child.kind, YScalar.isNull(s) { return base }
        switch (base.kind, child.kind) {
        case let (.mapping(b), .mapping(c)):
            var out = b
            for pair in c {
                if let i = out.firstIndex(where: { $0.key == pair.key }) {
                    out[i] = YPair(key: pair.key, keyLocation: pair.keyLocation, value: merge(base: out[i].value, child: pair.value))
                } else {
                    out.append(pair)
                }
            }
            return YNode(kind: .mapping(out), location: child.location)
        case let (.sequence(b), .sequence(c)):
            var out = b
            for item in c {
                if let id = ruleID(item), let i = out.firstIndex(where: { ruleID($0) == id }) {
                    out[i] = item
                } else if !out.contains(where: { $0.sameValue(as: item) }) {
                    out.append(item)
                }
            }
            return YNode(kind: .sequence(out), location: child.location)
        default:
            return child
        }
    }

    private static func ruleID(_ node: YNode) -> String? {
        guard case .mapping = node.kind, let idNode = node["id"], case .scalar(let s, _) = idNode.kind else { return nil }
        return s
    }
}
