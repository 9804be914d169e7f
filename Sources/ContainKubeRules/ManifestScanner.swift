// Reads manifests (YAML or JSON text) the way kubectl reads `-f`: the stream is split into documents on
// kubectl's own separator rule, every document and every `items` entry of a list is an object, and an
// object's namespace is `metadata.namespace` or, when absent, the namespace the command runs in.
// Whatever kubectl would read differently from the YAML parser used here (merge keys, duplicate keys,
// several documents where kubectl sees one, non-string namespaces) is refused, not guessed.

import ContainYAML

/// One object a manifest would create, change or read.
public struct ManifestObject: Sendable, Equatable {
    public var apiVersion: String
    public var kind: String
    public var name: String?
    /// `metadata.namespace`; nil when absent, null or empty (the command's namespace applies).
    public var namespace: String?
}

public enum ManifestScanner {
    /// Nodes visited per manifest, so aliases can't turn a small text into an endless walk.
    static let nodeBudget = 200_000

    public static func objects(in text: String) throws(KubeRefusal) -> [ManifestObject] {
        var out: [ManifestObject] = []
        var budget = nodeBudget
        for chunk in try documents(text) {
            let roots: [YAMLNode]
            do {
                roots = try YAMLComposer.composeAll(chunk)
            } catch {
                throw KubeRefusal("manifest is not valid YAML/JSON (\(String(describing: error).prefix(160)))")
            }
            guard roots.count <= 1 else {
                throw KubeRefusal("manifest document holds several YAML documents that kubectl would read as one")
            }
            if let root = roots.first {
                try collect(root, into: &out, budget: &budget, depth: 0)
            }
        }
        return out
    }

    /// kubectl's document split (k8s.io/apimachinery yaml.YAMLReader): a line starting with `---` ends a
    /// document; only spaces or a comment may follow it on that line (kubectl errors otherwise). JSON
    /// streams (first non-space character `{`) are not split.
    static func documents(_ text: String) throws(KubeRefusal) -> [String] {
        // Bytes, not Characters: Swift treats "\r\n" as one Character, kubectl splits lines at "\n".
        let bytes = Array(text.utf8)
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if bytes.first(where: { !isSpace($0) }) == UInt8(ascii: "{") { return [text] }
        var docs: [String] = []
        var current: [UInt8] = []
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if line.starts(with: [0x2D, 0x2D, 0x2D]) {
                let rest = line.dropFirst(3).drop(while: isSpace)
                if let c = rest.first, c != UInt8(ascii: "#") {
                    throw KubeRefusal("manifest line \"\(String(decoding: line.prefix(40), as: UTF8.self))\": kubectl only allows a comment after a --- separator")
                }
                docs.append(String(decoding: current, as: UTF8.self))
                current = []
                continue
            }
            current += line
            current.append(0x0A)
        }
        docs.append(String(decoding: current, as: UTF8.self))
        return docs.filter { !$0.utf8.allSatisfy(isSpace) }
    }

    private static func collect(_ node: YAMLNode, into out: inout [ManifestObject], budget: inout Int, depth: Int) throws(KubeRefusal) {
        budget -= 1
        guard budget > 0, depth < 32 else { throw KubeRefusal("manifest too large or too deeply nested to check") }
        switch node.content {
        case .scalar where isNull(node):
            return // an empty document: kubectl skips it
        case .mapping(let m):
            let fields = try fieldsOf(m, context: "manifest object")
            let kind = try string(fields["kind"], "kind")
            if let items = fields["items"], case .sequence(let seq) = items.content {
                // kubectl treats any object with an `items` array as a list and acts on the items.
                for item in seq { try collect(item, into: &out, budget: &budget, depth: depth + 1) }
                if let kind, kind.hasSuffix("List") { return }
            }
            guard let kind, !kind.isEmpty else { throw KubeRefusal("manifest object without a kind") }
            let apiVersion = try string(fields["apiVersion"], "apiVersion") ?? ""
            var name: String?
            var namespace: String?
            if let md = fields["metadata"] {
                guard case .mapping(let mm) = md.content else {
                    if isNull(md) {
                        out.append(ManifestObject(apiVersion: apiVersion, kind: kind, name: nil, namespace: nil))
                        return
                    }
                    throw KubeRefusal("manifest \(kind): metadata is not a mapping")
                }
                let mf = try fieldsOf(mm, context: "metadata of \(kind)")
                name = try string(mf["name"], "metadata.name")
                if let ns = try string(mf["namespace"], "metadata.namespace"), !ns.isEmpty {
                    namespace = try NamespaceName.checked(ns, from: "metadata.namespace of \(kind)")
                }
            }
            out.append(ManifestObject(apiVersion: apiVersion, kind: kind, name: name, namespace: namespace))
        default:
            throw KubeRefusal("manifest document is not an object")
        }
    }

    /// String-keyed fields of a mapping; merge keys and repeated keys are refused (kubectl's YAML library
    /// applies merges and JSON decoding keeps the last duplicate; this parser would not see the same).
    private static func fieldsOf(_ m: [YAMLPair], context: String) throws(KubeRefusal) -> [String: YAMLNode] {
        var fields: [String: YAMLNode] = [:]
        for pair in m {
            guard let key = pair.key.scalar else { continue }
            if key == "<<" || pair.key.type(in: .yaml11) == .merge {
                throw KubeRefusal("\(context): YAML merge keys (<<) are not accepted in manifests")
            }
            // go-yaml decodes `!!binary bmFtZXNwYWNl` to "namespace": a key under a tag this reader does not
            // interpret could name a field kubectl sees and this check does not.
            if case .tagged(let tag) = pair.key.type(in: .yaml11) {
                throw KubeRefusal("\(context): a key carries the YAML tag \(tag.prefix(40)), which kubectl may decode differently")
            }
            if fields[key] != nil {
                throw KubeRefusal("\(context): key \"\(key.prefix(40))\" appears twice")
            }
            fields[key] = pair.value
        }
        return fields
    }

    /// Null as go-yaml (kubectl) or a YAML 1.1 resolver would read it: `~`, `null`, empty, `!!null`.
    private static func isNull(_ node: YAMLNode) -> Bool {
        node.type(in: .yaml11) == .null
    }

    /// A field that must be a string when present; null counts as absent. A plain scalar that any YAML 1.1
    /// reader could take for a number, boolean, date or merge key is not a string (kubectl's go-yaml would
    /// turn `namespace: 0777` into a number, or refuse the object).
    private static func string(_ node: YAMLNode?, _ field: String) throws(KubeRefusal) -> String? {
        guard let node else { return nil }
        guard let text = node.scalar else { throw KubeRefusal("manifest field \(field) is not a string") }
        if isNull(node) { return nil }
        guard node.type(in: .yaml11) == .string else { throw KubeRefusal("manifest field \(field) is not a string (\(text.prefix(40)))") }
        return text
    }
}
