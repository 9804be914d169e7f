// Profile file -> Profile: read, parse (YAML with positions), follow `extends`, merge, decode, check that
// the rules can take effect. All problems are collected; a profile with any error is refused as a whole.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public struct ProfileLoader: Sendable {
    public var variables: ProfileVariables
    /// Profiles are hand-written and small; anything bigger is a mistake (or an attack on the parser).
    public static let maxFileBytes = 1 << 20
    static let maxExtendsDepth = 16
    static let topLevelKeys = ["version", "extends", "description", "best_effort", "environment", "mcp", "audit"]

    public init(variables: ProfileVariables) { self.variables = variables }

    /// Loads a profile by path or shipped name. Warnings do not fail the load; they are in `Profile.warnings`.
    public func load(_ nameOrPath: String) throws(ProfileLoadError) -> Profile {
        let (profile, diags) = run(nameOrPath)
        guard let profile, !diags.contains(where: { $0.severity == .error }) else { throw ProfileLoadError(diags) }
        return profile
    }

    /// Loads a profile from text; `file` names it in diagnostics and anchors relative `extends`.
    public func load(yaml: String, file: String) throws(ProfileLoadError) -> Profile {
        let (profile, diags) = run(text: yaml, path: file, displayName: file)
        guard let profile, !diags.contains(where: { $0.severity == .error }) else { throw ProfileLoadError(diags) }
        return profile
    }

    /// Every diagnostic (errors and warnings) for a profile path or shipped name; empty means clean.
    public func check(_ path: String) -> [Diagnostic] { run(path).1 }

    public func check(yaml: String, file: String) -> [Diagnostic] { run(text: yaml, path: file, displayName: file).1 }

    /// `check` and `load` in one pass: every diagnostic, and the profile when none of them is an error.
    /// Calling `check` and then `load` reads, parses and decodes the file twice.
    public func checkAndLoad(_ nameOrPath: String) -> (profile: Profile?, diagnostics: [Diagnostic]) {
        let (profile, diags) = run(nameOrPath)
        guard let profile, !diags.contains(where: { $0.severity == .error }) else { return (nil, diags) }
        return (profile, diags)
    }

    // MARK: - Pipeline

    func run(_ nameOrPath: String) -> (Profile?, [Diagnostic]) {
        guard let path = ProfileLocator.resolve(nameOrPath, environment: variables.environment) else {
            let shipped = ProfileLocator.shippedNames(environment: variables.environment)
            let list = shipped.isEmpty ? "no shipped profiles were found (set CONTAIN_PROFILE_PATH)" : "shipped profiles: \(shipped.joined(separator: ", "))"
            return (nil, [Diagnostic(SourceLocation(file: nameOrPath, line: 1, column: 1), .error,
                                     "no profile file or shipped profile named '\(nameOrPath)'\(Suggestion.hint(for: nameOrPath, in: shipped)); \(list)")])
        }
        switch Self.readText(path) {
        case .failure(let d): return (nil, [d])
        case .text(let text): return run(text: text, path: path, displayName: path)
        }
    }

    func run(text: String, path: String, displayName: String) -> (Profile?, [Diagnostic]) {
        var diags: [Diagnostic] = []
        var chain: [String] = []
        var edges: [ExtendsEdge] = []
        let tree = resolveTree(text: text, path: path, display: displayName, chain: &chain, edges: &edges, diags: &diags)
        var profile: Profile?
        if let tree {
            var decoder = ProfileDecoder(variables: variables)
            var p = decoder.decodeProfile(tree)
            p.name = displayName
            p.sources = chain.reversed()
            diags += decoder.diagnostics
            profile = p
        }
        // Point at the `extends:` line of every file whose base has errors, so checking a child says why
        // even when all the problems are in another file. Edges come deepest first.
        var broken = Set(diags.filter { $0.severity == .error }.map(\.location.file))
        for e in edges where broken.contains(e.base) {
            diags.append(Diagnostic(e.at, .error, "extends '\(e.target)': that profile has errors (reported at its own lines)"))
            broken.insert(e.at.file)
        }
        guard var profile else { return (nil, Self.ordered(diags, first: displayName)) }
        profile.warnings = diags.filter { $0.severity == .warning }.map(\.description)
        return (profile, Self.ordered(diags, first: displayName))
    }

    /// Errors first, then warnings; files in the order first mentioned, then by line and column, so the
    /// output reads top to bottom like a compiler's.
    static func ordered(_ d: [Diagnostic], first: String? = nil) -> [Diagnostic] {
        if d.count < 2 { return d }   // a clean profile: no set, no ranks, no sort
        var seen = Set<Diagnostic>()
        let unique = d.filter { seen.insert($0).inserted }
        var fileRank: [String: Int] = [:]
        if let first { fileRank[first] = 0 }
        for x in unique where fileRank[x.location.file] == nil { fileRank[x.location.file] = fileRank.count }
        let indexed = unique.enumerated().map { ($0.offset, $0.element) }
        let sorted = indexed.sorted { a, b in
            let (x, y) = (a.1, b.1)
            if x.severity != y.severity { return x.severity == .error }
            let (fx, fy) = (fileRank[x.location.file] ?? 0, fileRank[y.location.file] ?? 0)
            if fx != fy { return fx < fy }
            if x.location.line != y.location.line { return x.location.line < y.location.line }
            if x.location.column != y.location.column { return x.location.column < y.location.column }
            return a.0 < b.0
        }
        return sorted.map(\.1)
    }

    /// Parses one file and, through `extends`, its bases; returns the merged tree (nil when nothing usable).
    /// `chain` collects the canonical paths, child first.
    struct ExtendsEdge { var base: String; var target: String; var at: SourceLocation }

    private func resolveTree(text: String, path: String, display: String, chain: inout [String],
                             edges: inout [ExtendsEdge], diags: inout [Diagnostic]) -> YNode? {
        let canonical = Self.canonicalPath(path)
        chain.append(canonical)
        let (rootOpt, yamlDiags) = YAMLTreeReader.read(text, file: display)
        diags += yamlDiags
        if yamlDiags.contains(where: { $0.severity == .error }) { return nil }
        let top = SourceLocation(file: display, line: 1, column: 1)
        guard let root = rootOpt else {
            diags.append(Diagnostic(top, .error, "the profile is empty; it needs at least 'version: 1'"))
            return nil
        }
        guard case .mapping(let pairs) = root.kind else {
            diags.append(Diagnostic(root.location, .error, "a profile is a mapping of keys (version:, environment:, mcp:, ...), found \(root.typeName)"))
            return nil
        }
        var decoder = ProfileDecoder(variables: variables)
        // Version first: a file for another schema version would only produce confusing key errors.
        if let v = root["version"] {
            if case .scalar(let s, _) = v.kind, let n = YScalar.integer(s) {
                if n != Int64(Profile.currentVersion) {
                    diags.append(Diagnostic(v.location, .error, "unsupported profile version \(n); this contain reads version \(Profile.currentVersion)"))
                    return nil
                }
            } else {
                diags.append(Diagnostic(v.location, .error, "version must be the number \(Profile.currentVersion), found \(decoder.describe(v))"))
            }
        } else {
            diags.append(Diagnostic(root.location, .error, "missing required key 'version' (add 'version: \(Profile.currentVersion)' at the top)"))
        }
        var own = pairs.filter { $0.key != "version" && $0.key != "extends" }
        _ = decoder.fields(root, "the profile", known: Self.topLevelKeys)
        diags += decoder.diagnostics
        // Unknown top-level keys are reported above; keep them out of the merged tree so they are not
        // reported a second time (with the child's position) when this file is a base.
        own = own.filter { Self.topLevelKeys.contains($0.key) }
        let ownTree = YNode(kind: .mapping(own), location: root.location)

        guard let ext = root["extends"] else { return ownTree }
        guard case .scalar(let target, _) = ext.kind, !target.isEmpty else {
            diags.append(Diagnostic(ext.location, .error, "extends must be a shipped profile name or a relative file path, found \(ext.typeName)"))
            return ownTree
        }
        guard chain.count < Self.maxExtendsDepth else {
            diags.append(Diagnostic(ext.location, .error, "extends chain is deeper than \(Self.maxExtendsDepth) files"))
            return ownTree
        }
        let basePath: String
        if ProfileLocator.looksLikePath(target) {
            basePath = target.hasPrefix("/") ? target : PathText.join(PathText.directory(of: path), target)
        } else if let shipped = ProfileLocator.resolveShipped(target, environment: variables.environment) {
            basePath = shipped
        } else {
            let names = ProfileLocator.shippedNames(environment: variables.environment)
            diags.append(Diagnostic(ext.location, .error, "extends: no shipped profile named '\(target)'\(Suggestion.hint(for: target, in: names))"
                                    + (names.isEmpty ? "; no shipped profiles were found (set CONTAIN_PROFILE_PATH)" : "; shipped: \(names.joined(separator: ", "))")
                                    + "; to extend a file, write a path such as ./\(target).yaml"))
            return ownTree
        }
        let baseCanonical = Self.canonicalPath(basePath)
        if let i = chain.firstIndex(of: baseCanonical) {
            let cycle = (chain[i...] + [baseCanonical]).map(Self.shortName).joined(separator: " -> ")
            diags.append(Diagnostic(ext.location, .error, "extends cycle: \(cycle)"))
            return ownTree
        }
        let baseText: String
        switch Self.readText(basePath) {
        case .text(let t): baseText = t
        case .failure(let d):
            diags.append(Diagnostic(ext.location, .error, "extends '\(target)': \(d.message)"))
            return ownTree
        }
        let baseTree = resolveTree(text: baseText, path: basePath, display: basePath, chain: &chain, edges: &edges, diags: &diags)
        edges.append(ExtendsEdge(base: basePath, target: target, at: ext.location))
        guard let baseTree else { return ownTree }
        return ProfileMerge.merge(base: baseTree, child: ownTree)
    }

    static func shortName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func canonicalPath(_ path: String) -> String {
        guard let r = realpath(path, nil) else { return PathText.absolute(path, relativeTo: ProfileVariables.currentDirectory()) }
        defer { free(r) }
        return String(cString: r)
    }

    // MARK: - Reading

    /// A file's text or why there is none. Not `Result<String, Diagnostic>`: building that type's
    /// metadata checks `Diagnostic: Error` by scanning every conformance in the binary, on every start.
    enum TextRead {
        case text(String)
        case failure(Diagnostic)
    }

    /// The file as UTF-8 text; errors name the file and say what to do.
    static func readText(_ path: String) -> TextRead {
        let here = SourceLocation(file: path, line: 1, column: 1)
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            return .failure(Diagnostic(here, .error, "is a directory, not a profile file"))
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(Diagnostic(here, .error, "cannot open: \(String(cString: strerror(errno)))"))
        }
        defer { close(fd) }
        // Sized from the stat above (one read for a profile), grown if the file grows meanwhile; a
        // zero-filled 64 KiB chunk used to cost more page faults than reading a 2 KiB profile.
        let expected = st.st_size > 0 ? min(Int(st.st_size), maxFileBytes) : 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(expected + 1)
        let failure: Diagnostic? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { chunk in
            while true {
                let n = read(fd, chunk.baseAddress, chunk.count)
                if n < 0 {
                    if errno == EINTR { continue }   // EINTR: retry, nothing was consumed
                    return Diagnostic(here, .error, "cannot read: \(String(cString: strerror(errno)))")
                }
                if n == 0 { return nil }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[0..<n]))
                if bytes.count > maxFileBytes {
                    return Diagnostic(here, .error, "larger than \(maxFileBytes / 1024) KiB; a profile is a small hand-written file")
                }
            }
        }
        if let failure { return .failure(failure) }
        return decodeUTF8(bytes, file: path)
    }

    /// UTF-8 or a diagnostic at the first invalid byte.
    static func decodeUTF8(_ bytes: [UInt8], file: String) -> TextRead {
        // Decoding repairs invalid sequences, so the text is valid exactly when it kept every byte. This is
        // the stdlib's specialised UTF-8 path; `String(validating:as:)` is generic over the encoding and
        // instantiates its metadata at run time, on every start.
        let s = String(decoding: bytes, as: UTF8.self)
        if s.utf8.count == bytes.count, s.utf8.elementsEqual(bytes) { return .text(s) }
        var line = 1, col = 1
        var it = bytes.makeIterator()
        var utf8 = UTF8()
        loop: while true {
            switch utf8.decode(&it) {
            case .scalarValue(let c): if c == "\n" { line += 1; col = 1 } else { col += 1 }
            case .emptyInput: break loop
            case .error: break loop
            }
        }
        return .failure(Diagnostic(SourceLocation(file: file, line: line, column: col), .error, "not valid UTF-8 text"))
    }
}

extension ProfileDecoder {
    mutating func decodeProfile(_ root: YNode) -> Profile {
        var p = Profile()
        guard let f = fields(root, "the profile", known: ProfileLoader.topLevelKeys) else { return p }
        if let n = f["description"] { _ = text(n, "description") }
        if let n = f["best_effort"], let b = bool(n, "best_effort") { p.bestEffort = b }
        if let n = f["environment"] { p.environment = decodeEnvironment(n) }
        if let n = f["mcp"] { p.mcp = decodeMCP(n) }
        if let n = f["audit"] { p.audit = decodeAudit(n) }
        checkFilesystemConsistency(p.environment.filesystem, f["environment"])
        return p
    }

    /// A path both granted and masked can never be reached: the allow entry is dead and probably a mistake.
    mutating func checkFilesystemConsistency(_ fs: FilesystemPolicy, _ envNode: YNode?) {
        guard let fsNode = envNode?["filesystem"], let denyNode = fsNode["deny"], case .sequence(let denyItems) = denyNode.kind else { return }
        var quiet = ProfileDecoder(variables: variables)
        for item in denyItems {
            guard let d = quiet.absolutePath(item, "") else { continue }
            // Three calls rather than a loop over [(String, [String])]: that array's type is built from its
            // mangled name at run time, on every start.
            reportMasked(fs.read, "read", by: d, item, fsNode)
            reportMasked(fs.execute, "execute", by: d, item, fsNode)
            reportMasked(fs.write, "write", by: d, item, fsNode)
        }
    }

    private mutating func reportMasked(_ list: [String], _ key: String, by d: String, _ item: YNode, _ fsNode: YNode) {
        for a in list where PathText.isWithin(a, d) {
            let at = locationOfPath(a, in: fsNode[key]).map { " (\(ref($0, item.location)))" } ?? ""
            error(item.location, "'\(a)' is both in \(key)\(at) and masked by deny '\(d)'; it can never be reached, remove one")
        }
    }

    private func locationOfPath(_ path: String, in list: YNode?) -> SourceLocation? {
        guard let list, case .sequence(let items) = list.kind else { return nil }
        var quiet = ProfileDecoder(variables: variables)
        return items.first { quiet.absolutePath($0, "") == path }?.location
    }
}
