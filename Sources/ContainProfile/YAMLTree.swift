// The profile's YAML as a small tree whose every node knows its FILE:LINE:COL. ContainYAML composes the
// document (libyaml underneath; nesting capped at 1000 levels); this converts it into values that survive
// merging across `extends` files without losing which file each node came from.

import ContainYAML

struct YNode: Sendable {
    enum Kind: Sendable {
        /// `plain`: written without quotes, so `1`, `true`, `null` mean numbers, booleans, null.
        case scalar(String, plain: Bool)
        case sequence([YNode])
        case mapping([YPair])
    }
    var kind: Kind
    var location: SourceLocation

    var typeName: String {
        switch kind {
        case .scalar(let s, let plain):
            if plain, YScalar.isNull(s) { return "null" }
            if plain, YScalar.bool(s) != nil { return "a boolean" }
            if plain, YScalar.integer(s) != nil { return "a number" }
            return "a string"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// Structural equality, ignoring where the nodes were written (used to de-duplicate merged lists).
    func sameValue(as other: YNode) -> Bool {
        switch (kind, other.kind) {
        case let (.scalar(a, _), .scalar(b, _)): return a == b
        case let (.sequence(a), .sequence(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.sameValue(as: $1) }
        case let (.mapping(a), .mapping(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value.sameValue(as: $1.value) }
        default: return false
        }
    }

    subscript(key: String) -> YNode? {
        guard case .mapping(let pairs) = kind else { return nil }
        return pairs.first { $0.key == key }?.value
    }
}

struct YPair: Sendable {
    var key: String
    var keyLocation: SourceLocation
    var value: YNode
}

enum YScalar {
    static func isNull(_ s: String) -> Bool { s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL" }

    /// YAML 1.2 core booleans only: `yes`/`no`/`on`/`off` stay strings (the "Norway problem").
    static func bool(_ s: String) -> Bool? {
        switch s {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// Decimal, 0x hex, 0o octal, 0b binary; `_` separators allowed; optional leading `-`/`+`.
    static func integer(_ s: String) -> Int64? {
        var t = Substring(s)
        var negative = false
        if t.first == "-" { negative = true; t = t.dropFirst() } else if t.first == "+" { t = t.dropFirst() }
        let digits: Substring
        var radix = 10
        if t.hasPrefix("0x") || t.hasPrefix("0X") { radix = 16; digits = t.dropFirst(2) }
        else if t.hasPrefix("0o") || t.hasPrefix("0O") { radix = 8; digits = t.dropFirst(2) }
        else if t.hasPrefix("0b") || t.hasPrefix("0B") { radix = 2; digits = t.dropFirst(2) }
        else { digits = t }
        let clean = digits.filter { $0 != "_" }
        guard !clean.isEmpty, let mag = UInt64(clean, radix: radix) else { return nil }
        if negative {
            guard mag <= UInt64(Int64.max) + 1 else { return nil }
            return mag == UInt64(Int64.max) + 1 ? Int64.min : -Int64(mag)
        }
        guard mag <= UInt64(Int64.max) else { return nil }
        return Int64(mag)
    }

    /// Unsigned 64-bit (argument values and masks use the whole range, e.g. 0xffffffffffffffff).
    static func unsigned(_ s: String) -> UInt64? {
        var t = Substring(s)
        if t.first == "+" { t = t.dropFirst() }
        var radix = 10
        if t.hasPrefix("0x") || t.hasPrefix("0X") { radix = 16; t = t.dropFirst(2) }
        else if t.hasPrefix("0o") || t.hasPrefix("0O") { radix = 8; t = t.dropFirst(2) }
        else if t.hasPrefix("0b") || t.hasPrefix("0B") { radix = 2; t = t.dropFirst(2) }
        let clean = t.filter { $0 != "_" }
        guard !clean.isEmpty else { return nil }
        return UInt64(clean, radix: radix)
    }

    static func double(_ s: String) -> Double? {
        if let i = integer(s) { return Double(i) }
        guard s.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE_".contains($0)) }) else { return nil }
        guard let d = Double(s.filter { $0 != "_" }), d.isFinite else { return nil }
        return d
    }
}

/// Text -> YNode, with YAML syntax problems as diagnostics.
enum YAMLTreeReader {
    /// Aliases share nodes, so a tiny file can expand into a huge tree ("billion laughs"); refuse past this.
    static let maxNodes = 200_000

    static func read(_ text: String, file: String) -> (YNode?, [Diagnostic]) {
        let root: YAMLNode?
        do {
            root = try YAMLComposer.compose(text)
        } catch {
            return (nil, [diagnostic(for: error, file: file)])
        }
        guard let root else { return (nil, []) }
        var budget = maxNodes
        var diags: [Diagnostic] = []
        let tree = convert(root, file: file, budget: &budget, diags: &diags)
        if budget < 0 {
            return (nil, [Diagnostic(loc(root, file), .error,
                                     "the document expands to more than \(maxNodes) nodes (aliases?); profiles are small, refusing it")])
        }
        return (tree, diags)
    }

    /// `!!str` makes a scalar a string; `!!seq` on a list and `!!map` on a mapping say what it is anyway.
    private static func accepts(_ tag: String, on content: YAMLNode.Content) -> Bool {
        switch content {
        case .scalar: return tag == YAMLType.string.tag
        case .sequence: return tag == YAMLType.sequence.tag
        case .mapping: return tag == YAMLType.mapping.tag
        }
    }

    private static func shortTag(_ tag: String) -> String {
        let standard = "tag:yaml.org,2002:"
        return tag.hasPrefix(standard) ? "!!" + tag.dropFirst(standard.count) : tag
    }

    private static func loc(_ node: YAMLNode, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: node.mark.line, column: node.mark.column)
    }

    private static func convert(_ node: YAMLNode, file: String, budget: inout Int, diags: inout [Diagnostic]) -> YNode {
        budget -= 1
        let where_ = loc(node, file)
        if budget < 0 { return YNode(kind: .scalar("", plain: true), location: where_) }
        if let tag = node.tag, !accepts(tag, on: node.content) {
            // A tag the loader would not act on must not be read as if it were absent: `!!int "5"` or a
            // custom `!secret` tag would mean one thing to its author and another to contain.
            diags.append(Diagnostic(where_, .error, "YAML tag '\(shortTag(tag))' is not supported in profiles (only !!str, to make a value a string); remove it"))
        }
        switch node.content {
        case .scalar(let s, let style):
            // `!!str 1` is the string "1"; other tags change nothing here (the decoders check the text).
            let plain = style == .plain && node.tag != YAMLType.string.tag
            return YNode(kind: .scalar(s, plain: plain), location: where_)
        case .sequence(let seq):
            var items: [YNode] = []
            items.reserveCapacity(seq.count)
            for item in seq {
                items.append(convert(item, file: file, budget: &budget, diags: &diags))
                if budget < 0 { break }
            }
            return YNode(kind: .sequence(items), location: where_)
        case .mapping(let map):
            var pairs: [YPair] = []
            pairs.reserveCapacity(map.count)
            for pair in map {
                let keyLoc = loc(pair.key, file)
                guard let key = pair.key.scalar else {
                    diags.append(Diagnostic(keyLoc, .error, "keys must be plain names, not lists or mappings"))
                    budget -= 1
                    continue
                }
                if key == "<<" {
                    diags.append(Diagnostic(keyLoc, .error, "YAML merge keys ('<<') are not supported; use 'extends:' to build on another profile"))
                    continue
                }
                pairs.append(YPair(key: key, keyLocation: keyLoc,
                                   value: convert(pair.value, file: file, budget: &budget, diags: &diags)))
                if budget < 0 { break }
            }
            return YNode(kind: .mapping(pairs), location: where_)
        }
    }

    static func diagnostic(for error: YAMLError, file: String) -> Diagnostic {
        let at = SourceLocation(file: file, line: max(1, error.mark.line), column: max(1, error.mark.column))
        let message: String
        switch error.kind {
        case .scanner, .parser:
            message = "YAML syntax: \(error.problem)"
                + (error.context.map { c in " (\(c)" + (error.contextMark.map { " at \($0)" } ?? "") + ")" } ?? "")
        case .moreThanOneDocument:
            message = "a profile is a single YAML document; remove the second '---' document"
        case .duplicateKey(let key, let first):
            message = "duplicate key '\(key)' in the same mapping (first at line \(first))"
        case .reader, .undefinedAlias, .tooDeep, .memory:
            message = "YAML: \(error.problem)"
        }
        return Diagnostic(at, .error, message)
    }
}
