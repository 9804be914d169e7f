// Lexical path helpers for plan building (no filesystem access), all at the bytes the kernel splits and
// compares. Swift's String == and hasPrefix compare Characters under canonical equivalence ("é" NFC ==
// "e\u{301}" NFD, U+212A KELVIN SIGN == "K"), and a "/" followed by a combining mark is not the Character
// "/": two different paths could test equal, or a path below a directory test as outside it.

import ContainProfile

enum SandboxPath {
    private static let slash = UInt8(ascii: "/")

    /// Collapses "//", "." and ".." without touching the filesystem.
    static func normalize(_ path: String) -> String { LexicalPath.normalize(path) }

    /// Components of a normalized path ("/" has none).
    static func depth(_ path: String) -> Int {
        var n = 0, inComponent = false
        for b in path.utf8 {
            if b == slash { inComponent = false } else if !inComponent { inComponent = true; n += 1 }
        }
        return n
    }

    /// True when normalized `path` is `ancestor` or lies below it (component-wise, byte for byte).
    static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        let p = path.utf8, a = ancestor.utf8
        if a.count == 1 && a.first == slash { return true }
        guard p.starts(with: a) else { return false }
        return p.count == a.count || p.dropFirst(a.count).first == slash
    }

    static func directory(of path: String) -> String {
        let u = Array(path.utf8)
        guard let i = u.lastIndex(of: slash) else { return "." }
        return i == 0 ? "/" : String(decoding: u[..<i], as: UTF8.self)
    }

    static func basename(_ path: String) -> String {
        let u = Array(path.utf8)
        guard let i = u.lastIndex(of: slash) else { return path }
        return String(decoding: u[(i + 1)...], as: UTF8.self)
    }

    static func join(_ dir: String, _ name: String) -> String {
        dir.utf8.count == 1 && dir.utf8.first == slash ? "/" + name : dir + "/" + name
    }
}
