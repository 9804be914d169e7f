// YNode tree (already merged across `extends`) -> Profile. Every problem becomes a diagnostic at the node it
// concerns and decoding goes on, so one `contain check` run shows everything that is wrong. A value that
// fails to decode is left at its default only while errors exist, and a profile with errors is never
// returned by the loader: nothing half-understood is ever enforced.

struct ProfileDecoder {
    let variables: ProfileVariables
    var diagnostics: [Diagnostic] = []

    init(variables: ProfileVariables) { self.variables = variables }

    mutating func error(_ at: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(at, .error, message))
    }

    mutating func warning(_ at: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(at, .warning, message))
    }

    /// Another position, for a message at `here`: "line 3:7" in the same file, FILE:LINE:COL otherwise.
    func ref(_ other: SourceLocation, _ here: SourceLocation) -> String {
        other.file == here.file ? "line \(other.line):\(other.column)" : other.description
    }

    // MARK: - Structure

    /// A mapping's entries, with unknown keys reported (with a suggestion) and missing required keys reported
    /// at the mapping. nil (after an error) when the node is not a mapping.
    mutating func fields(_ node: YNode, _ what: String, known: [String], required: [String] = []) -> Fields? {
        // `audit:` with nothing after it is an empty section, not a type error.
        if case .scalar(let s, true) = node.kind, YScalar.isNull(s) {
            for r in required { error(node.location, "\(what) is missing the required key '\(r)'") }
            return Fields(node: node, pairs: [])
        }
        guard case .mapping(let pairs) = node.kind else {
            error(node.location, "\(what) must be a mapping (key: value), found \(node.typeName)")
            return nil
        }
        var knownPairs: [YPair] = []
        knownPairs.reserveCapacity(pairs.count)
        for p in pairs {
            if known.contains(p.key) {
                knownPairs.append(p)
            } else {
                error(p.keyLocation, "unknown key '\(p.key)' in \(what)\(Suggestion.hint(for: p.key, in: known))")
            }
        }
        let f = Fields(node: node, pairs: knownPairs)
        for r in required where f[r] == nil {
            error(node.location, "\(what) is missing the required key '\(r)'")
        }
        return f
    }

    mutating func list(_ node: YNode, _ what: String) -> [YNode]? {
        switch node.kind {
        case .sequence(let items): return items
        case .scalar(let s, let plain) where plain && YScalar.isNull(s): return []
        default:
            error(node.location, "\(what) must be a list, found \(node.typeName)" + exampleList(node))
            return nil
        }
    }

    private func exampleList(_ node: YNode) -> String {
        if case .scalar(let s, _) = node.kind, !s.isEmpty, s.count < 40, !s.contains("\n") { return " (write [\(s)])" }
        return ""
    }

    // MARK: - Scalars

    /// Any non-null scalar as text (numbers too: `PYTHONDONTWRITEBYTECODE: 1` means "1").
    mutating func text(_ node: YNode, _ what: String) -> String? {
        guard case .scalar(let s, let plain) = node.kind else {
            error(node.location, "\(what) must be a string, found \(node.typeName)")
            return nil
        }
        if plain, YScalar.isNull(s) {
            error(node.location, "\(what) must be a string, found null")
            return nil
        }
        return s
    }

    /// A name-like string: booleans are refused (an unquoted `true` is rarely meant as a name).
    mutating func name(_ node: YNode, _ what: String) -> String? {
        if case .scalar(let s, true) = node.kind, YScalar.bool(s) != nil {
            error(node.location, "\(what) must be a string, found a boolean (quote it if you mean the text)")
            return nil
        }
        guard let s = text(node, what) else { return nil }
        if s.isEmpty { error(node.location, "\(what) must not be empty"); return nil }
        return s
    }

    mutating func names(_ node: YNode, _ what: String) -> [String]? {
        guard let items = list(node, what) else { return nil }
        var out: [String] = []
        let entry = "an entry of \(what)"
        for item in items { if let s = name(item, entry), !out.contains(s) { out.append(s) } }
        return out
    }

    mutating func bool(_ node: YNode, _ what: String) -> Bool? {
        if case .scalar(let s, let plain) = node.kind, let b = YScalar.bool(s) {
            if plain { return b }
            error(node.location, "\(what) must be true or false without quotes, found \(describe(node))")
            return nil
        }
        error(node.location, "\(what) must be true or false, found \(describe(node))")
        return nil
    }

    mutating func integer(_ node: YNode, _ what: String, in range: ClosedRange<Int64>) -> Int64? {
        guard case .scalar(let s, _) = node.kind, let v = YScalar.integer(s) else {
            error(node.location, "\(what) must be a whole number, found \(describe(node))")
            return nil
        }
        guard range.contains(v) else {
            error(node.location, "\(what) must be between \(range.lowerBound) and \(range.upperBound), found \(v)")
            return nil
        }
        return v
    }

    mutating func number(_ node: YNode, _ what: String) -> Double? {
        guard case .scalar(let s, true) = node.kind, let v = YScalar.double(s) else {
            error(node.location, "\(what) must be a number, found \(describe(node))")
            return nil
        }
        return v
    }

    /// One of `options`, with a suggestion otherwise.
    mutating func choice(_ node: YNode, _ what: String, _ options: [String]) -> String? {
        guard case .scalar(let s, _) = node.kind else {
            error(node.location, "\(what) must be one of \(options.joined(separator: ", ")), found \(node.typeName)")
            return nil
        }
        if options.contains(s) { return s }
        error(node.location, "\(what) must be one of \(options.joined(separator: ", ")), found '\(s)'"
              + Suggestion.hint(for: s, in: options))
        return nil
    }

    static let sizeUnits: [(String, UInt64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40), ("B", 1)]

    /// Bytes: a whole number or a number with a KiB/MiB/GiB/TiB suffix.
    mutating func size(_ node: YNode, _ what: String) -> UInt64? {
        guard case .scalar(let raw, _) = node.kind else {
            error(node.location, "\(what) must be a size such as 64MiB, found \(node.typeName)")
            return nil
        }
        let s = raw.trimmingSpaces()
        if let v = YScalar.integer(s) {
            guard v >= 0 else { error(node.location, "\(what) must not be negative"); return nil }
            return UInt64(v)
        }
        for (unit, factor) in Self.sizeUnits where s.hasSuffix(unit) {
            let num = String(s.dropLast(unit.count)).trimmingSpaces()
            guard let v = UInt64(num) else { break }
            let (product, overflow) = v.multipliedReportingOverflow(by: factor)
            guard !overflow else { error(node.location, "\(what) is too large"); return nil }
            return product
        }
        var hint = ""
        for wrong in ["KB", "MB", "GB", "TB", "K", "M", "G", "T", "k", "kb", "mb", "gb"] where s.hasSuffix(wrong) {
            hint = "; sizes use binary units: KiB, MiB, GiB, TiB"
            break
        }
        error(node.location, "\(what) must be a size such as 1024, 64MiB or 4GiB, found '\(s)'\(hint)")
        return nil
    }

    func describe(_ node: YNode) -> String {
        if case .scalar(let s, _) = node.kind {
            let shown = s.count > 40 ? String(s.prefix(40)) + "..." : s
            return "'\(shown)'"
        }
        return node.typeName
    }

    // MARK: - Variables and paths

    /// `${WORKSPACE}`, `${HOME}`, `${env:NAME}` (unset: error), `$$` for a literal `$`, and a leading `~`.
    mutating func expand(_ node: YNode, _ what: String) -> String? {
        guard let s = text(node, what) else { return nil }
        return expand(s, at: node.location, what)
    }

    mutating func expand(_ s: String, at loc: SourceLocation, _ what: String) -> String? {
        // Most values name no variable: nothing to copy.
        if s.utf8.first != UInt8(ascii: "~"), !s.utf8.contains(UInt8(ascii: "$")) { return s }
        var out = ""
        var ok = true
        var rest = Substring(s)
        if rest == "~" || rest.hasPrefix("~/") {
            out = variables.home
            rest = rest.dropFirst()
            if variables.home.isEmpty { error(loc, "\(what) uses '~' but the home directory is unknown (set HOME)"); ok = false }
        }
        while let dollar = rest.firstIndex(of: "$") {
            out.append(contentsOf: rest[..<dollar])
            let after = rest[rest.index(after: dollar)...]
            if after.first == "$" { out += "$"; rest = after.dropFirst(); continue }
            guard after.first == "{" else { out += "$"; rest = after; continue }
            guard let close = after.firstIndex(of: "}") else {
                error(loc, "\(what): '${' without a closing '}'")
                return nil
            }
            let name = String(after[after.index(after: after.startIndex)..<close])
            rest = after[after.index(after: close)...]
            switch name {
            case "WORKSPACE": out += variables.workspace
            case "HOME":
                if variables.home.isEmpty { error(loc, "\(what) uses ${HOME} but the home directory is unknown (set HOME)"); ok = false }
                out += variables.home
            default:
                if name.hasPrefix("env:") {
                    let envName = String(name.dropFirst(4))
                    if let v = variables.environment[envName] { out += v }
                    else { error(loc, "\(what) uses ${env:\(envName)} but \(envName) is not set in contain's environment"); ok = false }
                } else {
                    error(loc, "\(what): unknown variable ${\(name)}\(Suggestion.hint(for: name, in: ["WORKSPACE", "HOME", "env:NAME"]))"
                          + "; variables are ${WORKSPACE}, ${HOME}, ${env:NAME}")
                    ok = false
                }
            }
        }
        out.append(contentsOf: rest)
        return ok ? out : nil
    }

    /// An absolute host path (after expansion), normalised; `..` refused so a path means what it says.
    mutating func absolutePath(_ node: YNode, _ what: String) -> String? {
        guard let raw = text(node, what), let p = expand(raw, at: node.location, what) else { return nil }
        guard p.hasPrefix("/") else {
            error(node.location, "\(what) must be an absolute path, found '\(p)'"
                  + (raw == p ? "; start it with /, ${WORKSPACE}/ or ${HOME}/" : " after expanding '\(raw)'"))
            return nil
        }
        guard !PathText.hasDotDot(p) else {
            error(node.location, "\(what) must not contain '..' components ('\(p)'); write the path it means")
            return nil
        }
        return PathText.normalize(p)
    }
}

/// A mapping's known entries by key. Mappings have a handful of keys and no duplicates (the YAML reader
/// refuses them, merging keeps one per key), so a scan beats building a dictionary for every mapping.
struct Fields {
    let node: YNode
    let pairs: [YPair]
    subscript(_ key: String) -> YNode? { pair(key)?.value }
    func keyLocation(_ key: String) -> SourceLocation? { pair(key)?.keyLocation }
    private func pair(_ key: String) -> YPair? { pairs.last { $0.key == key } }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
