// Glob matching shared by tool selectors, path rules, namespace rules and command argument patterns.
//
// Two modes:
//  - `.name`: `*` and `?` match any character (including `/`), `[...]` classes; used for tool names,
//    namespaces, argument patterns.
//  - `.path`: `*` and `?` never cross `/`; `**` as a whole component matches zero or more components;
//    a pattern matches only at component boundaries, so `/work` never matches `/work-evil`, and
//    `/work/**` matches `/work` itself and everything below it.

public enum GlobMode: Sendable { case name, path }

public enum Glob {
    public static func match(_ pattern: String, _ text: String, mode: GlobMode = .name) -> Bool {
        switch mode {
        case .name:
            return matchSegment(Array(pattern.unicodeScalars), Array(text.unicodeScalars), crossSlash: true)
        case .path:
            let p = components(pattern)
            let t = components(text)
            let absP = pattern.hasPrefix("/"), absT = text.hasPrefix("/")
            if absP != absT && !(p.first == "**") { return false }
            return matchComponents(p[...], t[...])
        }
    }

    /// Any of `patterns` matches.
    public static func matchAny(_ patterns: [String], _ text: String, mode: GlobMode = .name) -> Bool {
        patterns.contains { match($0, text, mode: mode) }
    }

    /// Splits on the byte `/`, never on grapheme clusters: "/a/\u{301}x" must be the components "a" and
    /// "\u{301}x" (a combining mark after `/` would otherwise glue two components into one Character and
    /// slip past a deny glob).
    static func components(_ s: String) -> [String] {
        s.unicodeScalars.split(separator: "/", omittingEmptySubsequences: true).map { String(String.UnicodeScalarView($0)) }
    }

    static func matchComponents(_ p: ArraySlice<String>, _ t: ArraySlice<String>) -> Bool {
        guard let first = p.first else { return t.isEmpty }
        if first == "**" {
            let rest = p.dropFirst()
            if rest.isEmpty { return true }
            var i = t.startIndex
            while true {
                if matchComponents(rest, t[i...]) { return true }
                if i == t.endIndex { return false }
                i += 1
            }
        }
        guard let head = t.first else { return false }
        guard matchSegment(Array(first.unicodeScalars), Array(head.unicodeScalars), crossSlash: false) else { return false }
        return matchComponents(p.dropFirst(), t.dropFirst())
    }

    /// Iterative wildcard match with one backtrack point per `*` (linear-ish, no exponential blowup).
    static func matchSegment(_ p: [Unicode.Scalar], _ t: [Unicode.Scalar], crossSlash: Bool) -> Bool {
        var pi = 0, ti = 0
        var starP = -1, starT = 0
        while ti < t.count {
            if pi < p.count {
                let c = p[pi]
                if c == "*" {
                    // Collapse runs of '*'.
                    while pi < p.count && p[pi] == "*" { pi += 1 }
                    starP = pi; starT = ti
                    continue
                }
                if c == "?" && (crossSlash || t[ti] != "/") { pi += 1; ti += 1; continue }
                if c == "[", let (matched, next) = matchClass(p, pi, t[ti]) {
                    if matched && (crossSlash || t[ti] != "/") { pi = next; ti += 1; continue }
                } else if c == "\\" && pi + 1 < p.count {
                    if p[pi + 1] == t[ti] { pi += 2; ti += 1; continue }
                } else if c != "?" && c != "[" && c == t[ti] {
                    pi += 1; ti += 1; continue
                }
            }
            if starP >= 0 && (crossSlash || t[starT] != "/") {
                starT += 1; ti = starT; pi = starP
                continue
            }
            return false
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Returns (matched, index after the class) or nil when the class is unterminated (then `[` is literal).
    static func matchClass(_ p: [Unicode.Scalar], _ start: Int, _ ch: Unicode.Scalar) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < p.count && (p[i] == "!" || p[i] == "^") { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < p.count {
            if p[i] == "]" && !first { return (matched != negate, i + 1) }
            first = false
            var lo = p[i]
            if lo == "\\" && i + 1 < p.count { i += 1; lo = p[i] }
            if i + 2 < p.count && p[i + 1] == "-" && p[i + 2] != "]" {
                let hi = p[i + 2]
                if lo.value <= ch.value && ch.value <= hi.value { matched = true }
                i += 3
            } else {
                if lo == ch { matched = true }
                i += 1
            }
        }
        return nil
    }
}
