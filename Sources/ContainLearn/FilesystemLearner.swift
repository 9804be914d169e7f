// Files seen -> the profile's `filesystem` lists, collapsed to directories only where that is not broader than
// the workload needs:
//  1. Everything under the workspace (or another directory made writable for learning) becomes that
//     directory itself (the unit the user chose).
//  2. Everything under a known runtime root (an interpreter's library tree, the multiarch library directory,
//     a venv, node_modules, the CA store) becomes that root: those trees are read as a whole, file by file.
//  3. Other files collapse into their deepest directory that holds at least `collapseThreshold` of them
//     directly, or whose used children are at least two sub-trees of one package; never into `/`, a
//     top-level directory, a shared root such as /usr/lib or /var/lib, the home directory, its dot-directories
//     or anything that holds credentials: those keep file-level entries.
//  4. Paths only looked at (stat) or listed are kept when nothing else covers them and they are narrow.
// Writes are kept only where learning let them happen (the workspace, --write); other write attempts failed while
// learning and stay refused, so the re-run behaves the same: the review list names them.

import Synchronization
import ContainProfile

public struct FilesystemEntry: Sendable, Equatable {
    public var path: String
    /// What the entry grants (read, write, execute; `list`/`lookup` never appear here).
    public var access: FileAccess
    /// Where it came from, for the comment.
    public var note: String
}

public struct FilesystemLearnResult: Sendable {
    public var entries: [FilesystemEntry] = []
    public var review: [String] = []
    /// The workload used /tmp (the sandbox's own, private and empty at start).
    public var usedPrivateTmp = false
}

public struct FilesystemLearner: Sendable {
    public static let collapseThreshold = 4

    public var workspace: String
    public var home: String
    /// Directories writable while learning: the workspace first, then `--write` directories (/tmp is private
    /// and handled separately). Each becomes one entry, as the user named it.
    public var writableRoots: [String]
    public var facts: any PathFacts
    private let venvRoots = VenvRootCache()

    public init(workspace: String, home: String, writableRoots: [String]? = nil, facts: any PathFacts) {
        self.workspace = LexicalPath.normalize(workspace)
        self.home = home.isEmpty ? "/nonexistent-home" : LexicalPath.normalize(home)
        var roots = [LexicalPath.normalize(workspace)]
        for r in (writableRoots ?? []).map(LexicalPath.normalize) where !roots.contains(r) && r != "/" { roots.append(r) }
        self.writableRoots = roots
        self.facts = facts
    }

    static let minimalDev: Set<String> = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                                          "/dev/tty", "/dev/ptmx", "/dev/stdin", "/dev/stdout", "/dev/stderr"]

    private struct Item {
        var access: FileAccess
        var files: Int
        var calls: Int
        var example: String
    }

    public func learn(_ files: [String: ObservationSnapshot.FileRecord]) -> FilesystemLearnResult {
        var result = FilesystemLearnResult()
        var items: [String: Item] = [:]
        var refusedWrites: [String: Int] = [:]
        var devices: [String: Int] = [:]
        var sensitive: Set<String> = []

        func add(_ path: String, _ access: FileAccess, calls: Int) {
            guard !access.isEmpty else { return }
            if var it = items[path] {
                it.access.formUnion(access); it.calls += calls
                items[path] = it
            } else {
                items[path] = Item(access: access, files: 1, calls: calls, example: path)
            }
        }

        // Step 0: drop what the sandbox provides anyway, split off refused writes, follow symlinks and loaders.
        for (path, rec) in files.sorted(by: { $0.key < $1.key }) {
            var access = rec.access
            let inWorkspace = writableRoot(of: path) != nil
            if path == "/proc" || path.hasPrefix("/proc/") { continue }
            if !inWorkspace, path == "/tmp" || path.hasPrefix("/tmp/") { result.usedPrivateTmp = true; continue }
            if path == "/dev" || path.hasPrefix("/dev/") {
                if Self.minimalDev.contains(path) || path.hasPrefix("/dev/pts/") || path.hasPrefix("/dev/fd/") || path == "/dev" { continue }
                devices[path, default: 0] += rec.count
                continue
            }
            if access.contains(.write) && !writableRoots.contains(where: { LexicalPath.isWithin(path, $0) }) {
                refusedWrites[path, default: 0] += rec.count
                access.remove(.write)
                if access.isEmpty { continue }
            }
            if Self.isSensitive(path, home: home) && !access.subtracting(.lookup).isEmpty { sensitive.insert(path) }
            let kind = facts.kind(path)
            if kind == .missing && !inWorkspace { continue }
            // A directory opened for reading is a listing (Go and some libcs open directories without
            // O_DIRECTORY): it must not grant the directory's contents.
            if isDirectory(path, kind), access.contains(.read) { access.remove(.read); access.insert(.list) }
            if access.contains(.read), kind != .directory, LexicalPath.lastComponent(path).contains(".so"), facts.isELF(path) {
                access.insert(.execute) // shared objects are mapped as code
            }
            add(path, access, calls: rec.count)
            var extra: [String] = []
            if kind == .symlink || kind == .missing || facts.resolved(path).map({ $0 != path }) == true,
               let real = facts.resolved(path), real != path {
                extra.append(real)
            }
            if access.contains(.execute), kind != .directory {
                for loader in facts.loaderFiles(ofExecutable: facts.resolved(path) ?? path) {
                    add(loader, .execute, calls: 0)
                    if let real = facts.resolved(loader), real != loader { add(real, .execute, calls: 0) }
                }
            }
            for r in extra where !(r == "/proc" || r.hasPrefix("/proc/")) { add(r, access, calls: 0) }
        }

        // Steps 1 and 2: the workspace and runtime roots absorb what lies below them.
        var collapsed: [String: Item] = [:]
        func absorb(into root: String, _ it: Item, keepLookups: Bool) {
            var acc = it.access
            if !keepLookups { acc.remove(.lookup) }
            if acc.contains(.list) || acc.contains(.lookup) { acc.remove(.list); acc.remove(.lookup); acc.insert(.read) }
            if var c = collapsed[root] {
                c.access.formUnion(acc); c.files += it.files; c.calls += it.calls
                collapsed[root] = c
            } else {
                collapsed[root] = Item(access: acc, files: it.files, calls: it.calls, example: it.example)
            }
        }
        var rest: [String: Item] = [:]
        for (path, it) in items {
            if let root = writableRoot(of: path) {
                absorb(into: root, it, keepLookups: true)
            } else if let root = runtimeRoot(of: path), it.access != .lookup, !sensitive.contains(path) {
                absorb(into: root, it, keepLookups: false)
            } else {
                rest[path] = it
            }
        }

        // The workspace is the server's working directory: it is in every view, used or not.
        if collapsed[workspace] == nil {
            collapsed[workspace] = Item(access: .read, files: 0, calls: 0, example: workspace)
        }

        // Credentials the workload read stay single-file entries (the review list points at each).
        for p in sensitive {
            guard var it = rest.removeValue(forKey: p) else { continue }
            it.access.remove(.lookup)
            if it.access.contains(.list) { it.access.remove(.list); it.access.insert(.read) }
            collapsed[p] = it
        }

        // Step 3: collapse the rest into package directories, deepest first.
        var pending = rest.filter { !$0.value.access.subtracting([.lookup, .list]).isEmpty }
        let lookups = rest.filter { pending[$0.key] == nil }
        // Which pending paths lie below each directory, built once (paths x depth); a directory that
        // collapses joins the lists of its own ancestors. Lists keep stale keys; `pending` is the truth.
        var within: [String: [String]] = [:]
        for k in pending.keys { for a in LexicalPath.ancestors(k) { within[a, default: []].append(k) } }
        let dirs = within.keys.sorted {
            let (a, b) = (LexicalPath.components($0).count, LexicalPath.components($1).count)
            return a != b ? a > b : $0 < $1
        }
        for dir in dirs where !isProtected(dir) && facts.kind(dir) == .directory {
            var members: [String: Item] = [:]
            for k in within[dir] ?? [] { if let it = pending[k] { members[k] = it } }
            guard !members.isEmpty else { continue }
            let direct = members.keys.filter { LexicalPath.parent($0) == dir }.count
            let childTrees = Set(members.keys.map { childOf(dir, $0) }).count
            let weight = members.values.reduce(0) { $0 + $1.files }
            let collapse = direct >= Self.collapseThreshold
                || (childTrees >= 2 && weight >= Self.collapseThreshold && members.keys.contains { LexicalPath.parent($0) != dir })
            guard collapse else { continue }
            var merged = Item(access: [], files: 0, calls: 0, example: members.keys.min() ?? dir)
            for (k, v) in members {
                merged.access.formUnion(v.access); merged.files += v.files; merged.calls += v.calls
                pending[k] = nil
            }
            if let own = pending[dir] { merged.access.formUnion(own.access); merged.calls += own.calls }
            merged.access.remove(.lookup)
            if merged.access.contains(.list) { merged.access.remove(.list); merged.access.insert(.read) }
            pending[dir] = merged
            for a in LexicalPath.ancestors(dir) { within[a, default: []].append(dir) }
        }
        for (k, v) in pending {
            var v = v
            v.access.remove(.lookup)
            if v.access.contains(.list) { v.access.remove(.list); v.access.insert(.read) }
            if var c = collapsed[k] { c.access.formUnion(v.access); c.files += v.files; c.calls += v.calls; collapsed[k] = c }
            else { collapsed[k] = v }
        }

        // Step 4: lookups and listings nothing covers.
        // Covered: an entry is the path, lies above it, or lies below it (then the path exists in the view).
        var entryAncestors = Set<String>()
        for k in collapsed.keys { entryAncestors.formUnion(LexicalPath.ancestors(k)) }
        let covered = { (p: String) -> Bool in
            collapsed[p] != nil || entryAncestors.contains(p) || LexicalPath.ancestors(p).contains { collapsed[$0] != nil }
        }
        var lookedAt: [String] = []
        for (path, it) in lookups.sorted(by: { $0.key < $1.key }) where !covered(path) {
            if isDirectory(path, facts.kind(path)) {
                if it.access.contains(.list) && !isProtected(path) && !Self.isSensitive(path, home: home) {
                    collapsed[path] = Item(access: .read, files: 1, calls: it.calls, example: path)
                } else {
                    lookedAt.append(path)
                }
            } else if !Self.isSensitive(path, home: home) {
                collapsed[path] = Item(access: .read, files: 1, calls: it.calls, example: path)
            } else {
                lookedAt.append(path)
            }
        }

        // Entries, with redundant ones (inside another entry granting at least as much) removed.
        func rights(_ a: FileAccess) -> FileAccess { a.intersection([.read, .write, .execute]).union(.read) }
        for (path, it) in collapsed.sorted(by: { $0.key < $1.key }) {
            let r = rights(it.access)
            let redundant = LexicalPath.ancestors(path).contains { a in
                collapsed[a].map { rights($0.access).isSuperset(of: r) } ?? false
            }
            if redundant { continue }
            result.entries.append(FilesystemEntry(path: path, access: r, note: note(for: path, it)))
        }

        // Review.
        for root in writableRoots where items.keys.contains(where: { writableRoot(of: $0) == root }) {
            let wrote = items.contains { writableRoot(of: $0.key) == root && $0.value.access.contains(.write) }
            result.review.append(wrote ? "wrote to \(root): kept read-write" : "read \(root): kept read-only (nothing was written)")
        }
        for p in sensitive.sorted() {
            result.review.append("read \(p), which usually holds credentials: kept as a single-file entry; remove it unless the server needs it")
        }
        for (dir, n) in Self.groupByDirectory(refusedWrites).prefix(12) {
            result.review.append("tried to write \(dir) (\(n)x): it was read-only while learning and stays read-only; add it to filesystem.write if the server needs it")
        }
        for (dev, n) in devices.sorted(by: { $0.key < $1.key }).prefix(12) {
            result.review.append("opened \(dev) (\(n)x): not in the sandbox's minimal /dev")
        }
        if !lookedAt.isEmpty {
            let shown = lookedAt.prefix(12).joined(separator: ", ") + (lookedAt.count > 12 ? ", ..." : "")
            result.review.append("only looked at (stat or listing), not made visible: \(shown); add a directory to filesystem.read if the server needs its contents")
        }
        return result
    }

    /// A directory, or a symlink to one.
    private func isDirectory(_ path: String, _ kind: PathKind) -> Bool {
        kind == .directory || kind == .symlink && facts.resolved(path).map { facts.kind($0) == .directory } == true
    }

    /// The deepest directory writable while learning that holds `path` (the workspace, `--write` directories).
    func writableRoot(of path: String) -> String? {
        writableRoots.filter { LexicalPath.isWithin(path, $0) }.max { $0.count < $1.count }
    }

    private func note(for path: String, _ it: Item) -> String {
        var what: [String] = []
        if it.access.contains(.write) { what.append("written") }
        if it.access.contains(.execute) { what.append("executed/mapped") }
        if it.access.contains(.read) || it.access.contains(.list) { what.append("read") }
        if what.isEmpty { what.append("looked up") }
        let files = it.files == 1 && it.example == path ? "" : "\(it.files) file\(it.files == 1 ? "" : "s"), "
        if path == workspace && it.files == 0 { return "the server's working directory (nothing in it was used)" }
        if it.calls == 0 {
            // Added for a path that was used: a symlink's target, or the loader the kernel opens inside execve.
            return "\(files)needed by a path used (symlink target or program loader): \(what.joined(separator: ", "))"
        }
        return "\(files)\(it.calls) call\(it.calls == 1 ? "" : "s"): \(what.joined(separator: ", "))"
    }

    /// The path component of `path` right below `dir`.
    private func childOf(_ dir: String, _ path: String) -> String {
        let d = LexicalPath.components(dir).count
        let c = LexicalPath.components(path)
        return c.count > d ? String(c[d]) : ""
    }

    // MARK: - Roots

    /// The runtime root a path belongs to: an interpreter's library tree, the multiarch library directory, a
    /// venv, node_modules, locale/zoneinfo/CA data. These are read as a whole; listing them file by file would
    /// only make the profile break on the next minor update.
    func runtimeRoot(of path: String) -> String? {
        let c = LexicalPath.components(path).map(String.init)
        var best: Int? = nil
        for i in 0..<c.count {
            let name = c[i]
            let prev = i > 0 ? c[i - 1] : ""
            var hit = false
            if prev == "lib" || prev == "lib64", name.hasPrefix("python3") || name.hasPrefix("python2") || name.hasPrefix("ruby") || name.hasPrefix("perl") {
                hit = true
            } else if prev == "lib" || prev == "lib64" || prev == "lib32", name.contains("-linux-gnu") || name.contains("-linux-musl") {
                hit = true
            } else if name == "node_modules" || name == "site-packages" || name == "dist-packages" {
                // The first node_modules / site-packages on the way is the package root.
                if best == nil { best = i }
                continue
            } else if i == 1, c[0] == "usr" || c[0] == "usr" , ["lib64", "lib32", "libx32"].contains(name) {
                hit = true
            } else if i == 0, ["lib64", "lib32", "libx32"].contains(name) {
                hit = true
            }
            if hit && best == nil { best = i }
        }
        // A Python venv (the directory holding pyvenv.cfg) is one runtime, read as a whole.
        for i in stride(from: c.count - 1, through: 2, by: -1) {
            let dir = "/" + c[0..<i].joined(separator: "/")
            if venvRoots.isVenv(dir, facts) { return dir }
        }
        let fixed = ["/usr/share/zoneinfo", "/usr/lib/locale", "/usr/share/locale", "/usr/share/i18n", "/etc/ssl",
                     "/usr/lib/ssl", "/usr/share/ca-certificates", "/etc/ca-certificates", "/usr/lib/jvm",
                     "/usr/lib/git-core", "/usr/share/terminfo", "/usr/lib/gcc", "/usr/libexec/gcc", "/usr/share/misc"]
        for f in fixed where LexicalPath.isWithin(path, f) { return f }
        guard let b = best else { return nil }
        // A venv/prefix's lib/pythonX.Y wins over the site-packages below it (both are under the same root).
        let root = "/" + c[0...b].joined(separator: "/")
        guard root != path || facts.kind(path) == .directory else { return nil }
        return root
    }

    /// Too broad to collapse into: `/`, top-level directories, shared roots, the home directory and its
    /// ancestors, the home directory's dot-directories, the workspace's ancestors.
    func isProtected(_ dir: String) -> Bool {
        let c = LexicalPath.components(dir)
        if c.count <= 1 { return true }
        let shared: Set<String> = [
            "/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/share", "/usr/bin", "/usr/sbin", "/usr/local", "/usr/include",
            "/usr/libexec", "/usr/src", "/usr/local/lib", "/usr/local/bin", "/usr/local/share", "/usr/local/include",
            "/usr/local/sbin", "/var/lib", "/var/cache", "/var/log", "/var/run", "/var/tmp", "/var/spool", "/var/mail",
            "/run/user", "/usr/share/doc", "/etc/default", "/opt/homebrew", "/sys/devices", "/sys/fs", "/sys/class",
            "/sys/bus", "/sys/kernel", "/var/lib/dpkg",
        ]
        if shared.contains(dir) { return true }
        if LexicalPath.isWithin(home, dir) || writableRoots.contains(where: { LexicalPath.isWithin($0, dir) }) { return true }
        if LexicalPath.parent(dir) == home, LexicalPath.lastComponent(dir).hasPrefix(".") { return true }
        for d in [".local/share", ".local/lib", ".local/state", ".local/bin", ".config", ".cache"] where dir == home + "/" + d {
            return true
        }
        if Self.isSensitive(dir, home: home) { return true }
        if c.count == 3, c[0] == "run", c[1] == "user" { return true }
        return false
    }

    /// Directories that hold keys and tokens: never collapsed into, and every read is pointed out.
    static func isSensitive(_ path: String, home: String) -> Bool {
        let homeSecrets = [".ssh", ".gnupg", ".aws", ".azure", ".config/gcloud", ".docker", ".netrc", ".pgpass",
                           ".git-credentials", ".kube", ".password-store", ".pki", ".vault-token", ".npmrc", ".pypirc"]
        for s in homeSecrets where LexicalPath.isWithin(path, home + "/" + s) { return true }
        for s in ["/etc/shadow", "/etc/gshadow", "/etc/ssh", "/etc/sudoers", "/root"] where LexicalPath.isWithin(path, s) {
            return !(home == "/root" && s == "/root")
        }
        return false
    }

    /// Refused writes per directory, most frequent first.
    static func groupByDirectory(_ paths: [String: Int]) -> [(String, Int)] {
        var byDir: [String: Int] = [:]
        for (p, n) in paths { byDir[LexicalPath.parent(p), default: 0] += n }
        return byDir.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// Which directories are venvs (hold a pyvenv.cfg), asked once per directory.
final class VenvRootCache: Sendable {
    private let known = Mutex<[String: Bool]>([:])

    func isVenv(_ dir: String, _ facts: any PathFacts) -> Bool {
        if let k = known.withLock({ $0[dir] }) { return k }
        let v = facts.kind(dir + "/pyvenv.cfg") == .file
        known.withLock { $0[dir] = v }
        return v
    }
}
