// Lexical path helpers for plan building (no filesystem access).

import ContainProfile

enum SandboxPath {
    /// Collapses "//", "." and ".." without touching the filesystem, at the bytes the kernel splits.
    static func normalize(_ path: String) -> String { LexicalPath.normalize(path) }

    static func depth(_ path: String) -> Int { path == "/" ? 0 : path.split(separator: "/").count }

    /// True when `path` is `ancestor` or lies below it (component-wise).
    static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        if ancestor == "/" { return true }
        return path == ancestor || path.hasPrefix(ancestor + "/")
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }

    static func basename(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func join(_ dir: String, _ name: String) -> String {
        dir == "/" ? "/" + name : dir + "/" + name
    }
}
