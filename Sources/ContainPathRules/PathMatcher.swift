// Allow/deny globs over canonical paths. Deny wins; an empty allow list allows nothing.
//
// Each pattern's literal directory prefix (the part before the first wildcard) is also resolved once on the
// host, so a workspace reached through a symlink (/home/me/ws -> /data/ws) matches its physical paths too.
// Both spellings count: the sandbox may show the directory at the spelling the profile used.

import ContainRuleKit

public struct PathMatcher: Sendable {
    public let allow: [String]
    public let deny: [String]

    public enum Outcome: Sendable, Equatable {
        case allowed
        /// Matched this deny glob (as written in the profile).
        case denied(glob: String)
        case outsideAllowList
        /// The path cannot be split into components the way the glob matcher splits them (a name beginning
        /// with a combining mark, or ending with a prepended mark, next to "/").
        case unmatchable
    }

    private let allowVariants: [(pattern: String, written: String)]
    private let denyVariants: [(pattern: String, written: String)]

    public init(allow: [String], deny: [String], resolvePrefixes: Bool = true) {
        self.allow = allow
        self.deny = deny
        allowVariants = Self.variants(allow, resolve: resolvePrefixes)
        denyVariants = Self.variants(deny, resolve: resolvePrefixes)
    }

    public func match(_ canonical: String) -> Outcome {
        guard Self.splitsAgree(canonical) else { return .unmatchable }
        for d in denyVariants where Glob.match(d.pattern, canonical, mode: .path) { return .denied(glob: d.written) }
        for a in allowVariants where Glob.match(a.pattern, canonical, mode: .path) { return .allowed }
        return .outsideAllowList
    }

    /// Glob's path mode splits at `Character` "/", and a grapheme cluster can swallow a "/" ("/\u{301}x" is
    /// one Character), which would merge two components and let a path slip past a deny glob. Matching is
    /// only trusted when the Character split and the byte split agree.
    static func splitsAgree(_ s: String) -> Bool {
        let byChar = s.split(separator: "/", omittingEmptySubsequences: true)
        let byByte = s.utf8.split(separator: PathByteOps.slash, omittingEmptySubsequences: true)
        guard byChar.count == byByte.count else { return false }
        // Same count is not enough if a cluster moved a slash; compare component bytes.
        for (c, b) in zip(byChar, byByte) where !c.utf8.elementsEqual(b) { return false }
        return s.utf8.first == PathByteOps.slash ? s.hasPrefix("/") : true
    }

    static func variants(_ patterns: [String], resolve: Bool) -> [(pattern: String, written: String)] {
        var out: [(String, String)] = []
        for p in patterns {
            out.append((p, p))
            if resolve, let r = resolvedLiteralPrefix(p), !Array(r.utf8).elementsEqual(p.utf8) { out.append((r, p)) }
        }
        return out
    }

    /// `p` with its wildcard-free leading directories replaced by their physical location on the host.
    static func resolvedLiteralPrefix(_ pattern: String) -> String? {
        let bytes = Array(pattern.utf8)
        guard bytes.first == PathByteOps.slash else { return nil }
        let comps = PathByteOps.components(bytes)
        let wild: Set<UInt8> = [0x2A /* * */, 0x3F /* ? */, 0x5B /* [ */, 0x5C /* \ */]
        let literalCount = comps.firstIndex { $0.contains { wild.contains($0) } } ?? comps.count
        guard literalCount > 0 else { return nil }
        let literal = PathByteOps.join(Array(comps[..<literalCount]))
        guard let literalString = PathByteOps.string(literal) else { return nil }
        let host = PathCanonicalizer(context: RuleContext(workingDirectory: "/", home: "/"))
        guard let resolved = try? host.canonicalize(literalString) else { return nil }
        let rest = comps[literalCount...].compactMap { PathByteOps.string($0) }
        guard rest.count == comps.count - literalCount else { return nil }
        let joined = ([resolved == "/" ? "" : resolved] + rest).joined(separator: "/")
        return joined.isEmpty ? "/" : joined
    }
}
