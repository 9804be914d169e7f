// Which arguments carry paths, and pulling them out of a call. A field spec is a dotted name where a
// segment ending in "[]" is an array whose every element is visited: "path", "paths[]", "edits[].file".
//
// Built in: the reference filesystem server (path, paths[], source, destination), PyPI filesystem-mcp
// (path), mcp-server-git (repo_path). Fields named in the profile are added to these, never substituted:
// a profile cannot switch off a check by listing fewer fields.

import ContainRuleKit

public struct PathFieldSpec: Sendable, Hashable, CustomStringConvertible {
    struct Segment: Sendable, Hashable { var name: String; var isArray: Bool }
    let segments: [Segment]
    public let description: String

    public init(_ spec: String) {
        description = spec
        segments = spec.split(separator: ".", omittingEmptySubsequences: false).map { part in
            let s = String(part)
            if s.hasSuffix("[]") { return Segment(name: String(s.dropLast(2)), isArray: true) }
            return Segment(name: s, isArray: false)
        }
    }

    public static let builtIn: [PathFieldSpec] = ["path", "paths[]", "source", "destination", "repo_path"].map(PathFieldSpec.init)
}

/// One value found at a path-bearing field.
struct PathFieldValue {
    /// Where it was, for messages: "paths[2]", "source".
    var label: String
    enum Value { case path(String), notAString(kind: String), notAnArray(kind: String) }
    var value: Value
}

enum PathFieldExtractor {
    /// Every value at `spec` in `arguments`. Absent fields yield nothing (the server applies its default);
    /// present values of the wrong shape (null, numbers, objects, an array where one path belongs, a single
    /// value where an array belongs) are reported so the caller refuses them.
    static func values(of spec: PathFieldSpec, in arguments: JSONValue) -> [PathFieldValue] {
        var out: [PathFieldValue] = []
        visit(spec.segments[...], arguments, label: "", into: &out)
        return out
    }

    private static func visit(_ segs: ArraySlice<PathFieldSpec.Segment>, _ node: JSONValue, label: String,
                              into out: inout [PathFieldValue]) {
        guard let seg = segs.first else {
            if case .string(let s) = node {
                out.append(PathFieldValue(label: label, value: .path(s)))
            } else {
                // Arrays included: a server that got a list where one path belongs might use any element.
                out.append(PathFieldValue(label: label, value: .notAString(kind: kind(node))))
            }
            return
        }
        guard case .object(let members) = node else {
            if !label.isEmpty { out.append(PathFieldValue(label: label, value: .notAString(kind: kind(node)))) }
            return
        }
        let nextLabel = label.isEmpty ? seg.name : label + "." + seg.name
        // Duplicate keys are refused by the strict parser; still, visit every member with this name so a
        // second copy can never go unchecked.
        for (key, value) in members where key.utf8.elementsEqual(seg.name.utf8) {
            if seg.isArray {
                guard case .array(let items) = value else {
                    out.append(PathFieldValue(label: nextLabel, value: .notAnArray(kind: kind(value))))
                    continue
                }
                for (i, item) in items.enumerated() {
                    visit(segs.dropFirst(), item, label: "\(nextLabel)[\(i)]", into: &out)
                }
            } else {
                visit(segs.dropFirst(), value, label: nextLabel, into: &out)
            }
        }
    }

    static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
