// What type a plain scalar is. Two schemas, each a handful of hand-written matchers over the UTF-8 bytes
// (no regex engine: this runs for every scalar of every profile at every start).
//
// - `core`: YAML 1.2's core schema, what contain's own profiles mean (`yes` is a string).
// - `yaml11`: what *any* YAML 1.1 reader might make of the scalar: the union of the types of PyYAML/Yams'
//   default resolver and of go-yaml v2 (kubectl reads manifests with it). It errs towards "not a string":
//   a consumer that needs a string (a namespace) refuses a scalar some reader would take for a number,
//   a boolean, null or a date, rather than guess which reader is on the other side.

public enum YAMLType: Sendable, Equatable, Hashable {
    case null
    case bool
    case int
    case float
    case timestamp
    /// `<<`, the YAML 1.1 merge key.
    case merge
    /// `=`, YAML 1.1's "default value" key.
    case value
    case string
    case sequence
    case mapping
    /// An explicit tag this library does not interpret (a local `!tag`, the non-specific `!`, `!!binary`).
    case tagged(String)

    static let prefix = "tag:yaml.org,2002:"

    /// The standard tag of the type, for comparisons with explicit tags.
    public var tag: String {
        switch self {
        case .null: return Self.prefix + "null"
        case .bool: return Self.prefix + "bool"
        case .int: return Self.prefix + "int"
        case .float: return Self.prefix + "float"
        case .timestamp: return Self.prefix + "timestamp"
        case .merge: return Self.prefix + "merge"
        case .value: return Self.prefix + "value"
        case .string: return Self.prefix + "str"
        case .sequence: return Self.prefix + "seq"
        case .mapping: return Self.prefix + "map"
        case .tagged(let t): return t
        }
    }

    /// The scalar type an explicit standard tag names; nil for any other tag.
    static func scalarType(forTag tag: String) -> YAMLType? {
        guard tag.hasPrefix(prefix) else { return nil }
        switch tag.dropFirst(prefix.count) {
        case "null": return .null
        case "bool": return .bool
        case "int": return .int
        case "float": return .float
        case "timestamp": return .timestamp
        case "merge": return .merge
        case "value": return .value
        case "str": return .string
        default: return nil
        }
    }
}

public enum YAMLSchema: Sendable {
    /// YAML 1.2 core schema.
    case core
    /// The conservative YAML 1.1 view described at the top of this file.
    case yaml11

    /// The type of a plain, untagged scalar.
    public func resolve(plain text: String) -> YAMLType {
        var copy = text
        return copy.withUTF8 { b in
            switch self {
            case .core: return CoreMatchers.resolve(b)
            case .yaml11: return YAML11Matchers.resolve(b)
            }
        }
    }
}

/// A position in a byte buffer with the few steps the matchers need.
fileprivate struct ByteCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[index] }

    mutating func take(_ c: UInt8) -> Bool {
        guard peek == c else { return false }
        index += 1
        return true
    }

    mutating func take(where ok: (UInt8) -> Bool) -> Bool {
        guard let c = peek, ok(c) else { return false }
        index += 1
        return true
    }

    /// Consumes a run; returns its length.
    @discardableResult
    mutating func run(where ok: (UInt8) -> Bool) -> Int {
        let start = index
        while let c = peek, ok(c) { index += 1 }
        return index - start
    }

    mutating func sign() { _ = take(UInt8(ascii: "+")) || take(UInt8(ascii: "-")) }
}

fileprivate func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
fileprivate func isOctal(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x37 }
fileprivate func isBinary(_ c: UInt8) -> Bool { c == 0x30 || c == 0x31 }
fileprivate func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }

fileprivate func equals(_ b: UnsafeBufferPointer<UInt8>, _ words: StaticString...) -> Bool {
    for w in words where w.utf8CodeUnitCount == b.count {
        if memcmpEqual(w.utf8Start, b) { return true }
    }
    return false
}

private func memcmpEqual(_ p: UnsafePointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    for i in 0..<b.count where p[i] != b[i] { return false }
    return true
}

/// YAML 1.2.2 §10.3.2 (core schema tag resolution).
enum CoreMatchers {
    static func resolve(_ b: UnsafeBufferPointer<UInt8>) -> YAMLType {
        if b.isEmpty || equals(b, "~", "null", "Null", "NULL") { return .null }
        if equals(b, "true", "True", "TRUE", "false", "False", "FALSE") { return .bool }
        if isInt(b) { return .int }
        if isFloat(b) { return .float }
        return .string
    }

    /// `[-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+`
    static func isInt(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var c = ByteCursor(b)
        if c.take(UInt8(ascii: "0")) {
            if c.take(UInt8(ascii: "o")) { return c.run(where: isOctal) > 0 && c.atEnd }
            if c.take(UInt8(ascii: "x")) { return c.run(where: isHex) > 0 && c.atEnd }
            c.index = 0
        }
        c.sign()
        return c.run(where: isDigit) > 0 && c.atEnd
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
    static func isFloat(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if equals(b, ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN") {
            return true
        }
        var c = ByteCursor(b)
        c.sign()
        if c.take(UInt8(ascii: ".")) {
            guard c.run(where: isDigit) > 0 else { return false }
        } else {
            guard c.run(where: isDigit) > 0 else { return false }
            if c.take(UInt8(ascii: ".")) { c.run(where: isDigit) }
        }
        if c.take(UInt8(ascii: "e")) || c.take(UInt8(ascii: "E")) {
            c.sign()
            guard c.run(where: isDigit) > 0 else { return false }
        }
        return c.atEnd
    }
}

/// The union of PyYAML/Yams' default resolver and go-yaml v2's `resolve`: whenever one of them gives a
/// plain scalar a non-string type, so does this.
enum YAML11Matchers {
    static func resolve(_ b: UnsafeBufferPointer<UInt8>) -> YAMLType {
        if b.isEmpty || equals(b, "~", "null", "Null", "NULL") { return .null }
        if equals(b, "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
                  "true", "True", "TRUE", "false", "False", "FALSE",
                  "on", "On", "ON", "off", "Off", "OFF") { return .bool }
        if equals(b, "<<") { return .merge }
        if equals(b, "=") { return .value }
        if equals(b, ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                  ".nan", ".NaN", ".NAN", "+.nan", "+.NaN", "+.NAN", "-.nan", "-.NaN", "-.NAN") { return .float }
        if isTimestamp(b) { return .timestamp }
        // Every numeric form of these readers starts with a sign, a digit or a dot; go-yaml drops every
        // `_` before parsing ("1_0", "0x_1f", "1_._5"), and PyYAML allows them inside digit runs. Matching on
        // the text without underscores, with digit runs allowed to be empty after a prefix, covers both.
        guard let first = b.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
                || first == UInt8(ascii: ".") || isDigit(first) else { return .string }
        let stripped = b.filter { $0 != UInt8(ascii: "_") }
        let hadUnderscore = stripped.count != b.count
        return stripped.withUnsafeBufferPointer { s in
            if isInt(s) { return .int }
            if isFloat(s, hadUnderscore: hadUnderscore) { return .float }
            return .string
        }
    }

    /// `[-+]?` then `0[bB][01]*`, `0[xX][hex]*`, `0[oO][0-7]*`, `[0-9]+` (decimal, and 1.1's `0777` octal),
    /// or sexagesimal `[0-9]+(:[0-5]?[0-9])+`.
    static func isInt(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        var c = ByteCursor(s)
        c.sign()
        let digitsStart = c.index
        if c.take(UInt8(ascii: "0")) {
            if c.take(where: { $0 | 0x20 == UInt8(ascii: "b") }) { c.run(where: isBinary); return c.atEnd }
            if c.take(where: { $0 | 0x20 == UInt8(ascii: "x") }) { c.run(where: isHex); return c.atEnd }
            if c.take(where: { $0 | 0x20 == UInt8(ascii: "o") }) { c.run(where: isOctal); return c.atEnd }
            c.index = digitsStart
        }
        guard c.run(where: isDigit) > 0 else { return false }
        if c.atEnd { return true }
        return sexagesimalTail(&c) && c.atEnd
    }

    /// `(:[0-5]?[0-9])+`
    fileprivate static func sexagesimalTail(_ c: inout ByteCursor) -> Bool {
        var groups = 0
        while c.take(UInt8(ascii: ":")) {
            let start = c.index
            let n = c.run(where: isDigit)
            guard n == 1 || (n == 2 && c.bytes[start] <= UInt8(ascii: "5")) else { return false }
            groups += 1
        }
        return groups > 0
    }

    /// `[-+]?` then `[0-9]+(\.[0-9]*)?exp?`, `\.[0-9]+exp?` (or a dot whose digits were all underscores:
    /// PyYAML's `\.[0-9_]+`), or sexagesimal `[0-9]+(:[0-5]?[0-9])+\.[0-9]*`; `exp` is `[eE][-+]?[0-9]+`.
    static func isFloat(_ s: UnsafeBufferPointer<UInt8>, hadUnderscore: Bool) -> Bool {
        var c = ByteCursor(s)
        c.sign()
        if c.take(UInt8(ascii: ".")) {
            if c.run(where: isDigit) == 0 { return c.atEnd && hadUnderscore }
        } else {
            guard c.run(where: isDigit) > 0 else { return false }
            if c.peek == UInt8(ascii: ":") {
                guard sexagesimalTail(&c), c.take(UInt8(ascii: ".")) else { return false }
                c.run(where: isDigit)
                return c.atEnd
            }
            if c.take(UInt8(ascii: ".")) { c.run(where: isDigit) }
        }
        if c.take(where: { $0 | 0x20 == UInt8(ascii: "e") }) {
            c.sign()
            guard c.run(where: isDigit) > 0 else { return false }
        }
        return c.atEnd
    }

    /// `YYYY-M?M-D?D`, alone or followed by a `T`/`t`/blank and anything (go-yaml accepts one-digit months
    /// and days, PyYAML two-digit ones and a time after a `T` or blanks).
    static func isTimestamp(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var c = ByteCursor(b)
        guard c.run(where: isDigit) == 4, c.take(UInt8(ascii: "-")) else { return false }
        guard (1...2).contains(c.run(where: isDigit)), c.take(UInt8(ascii: "-")) else { return false }
        guard (1...2).contains(c.run(where: isDigit)) else { return false }
        if c.atEnd { return true }
        return c.take(where: { $0 == UInt8(ascii: "T") || $0 == UInt8(ascii: "t") || $0 == 0x20 || $0 == 0x09 })
    }
}
