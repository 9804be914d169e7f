// Paths as the kernel sees them: byte strings split at 0x2F. Swift `String` comparison uses Unicode
// canonical equivalence (NFC "é" == NFD "e\u{301}"), but the filesystem stores bytes and those are two
// different files, so nothing in the path rules compares paths as `String`.

typealias PathBytes = [UInt8]

enum PathByteOps {
    static let slash: UInt8 = 0x2F
    static let dot: UInt8 = 0x2E
    static let dotComponent: PathBytes = [0x2E]
    static let dotDotComponent: PathBytes = [0x2E, 0x2E]

    /// Components between slashes; empty components ("//", leading or trailing "/") are dropped, as the
    /// kernel does.
    static func components(_ path: PathBytes) -> [PathBytes] {
        var out: [PathBytes] = []
        var current: PathBytes = []
        for b in path {
            if b == slash {
                if !current.isEmpty { out.append(current); current.removeAll(keepingCapacity: true) }
            } else {
                current.append(b)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func join(_ components: [PathBytes]) -> PathBytes {
        if components.isEmpty { return [slash] }
        var out: PathBytes = []
        out.reserveCapacity(components.reduce(0) { $0 + $1.count + 1 })
        for c in components { out.append(slash); out.append(contentsOf: c) }
        return out
    }

    /// Lexical normalisation of an absolute path: "." dropped, ".." removes the previous component
    /// ("/.." is "/"), repeated and trailing slashes dropped. This is what a server that cleans a path
    /// as a string (path.resolve, os.path.abspath) ends up opening.
    static func lexicallyNormalized(_ components: [PathBytes]) -> [PathBytes] {
        var out: [PathBytes] = []
        for c in components {
            if c == dotComponent { continue }
            if c == dotDotComponent { if !out.isEmpty { out.removeLast() }; continue }
            out.append(c)
        }
        return out
    }

    static func hasDotComponents(_ components: [PathBytes]) -> Bool {
        components.contains { $0 == dotComponent || $0 == dotDotComponent }
    }

    /// The text for glob matching and messages, or nil when the bytes are not UTF-8 (then nothing may be
    /// matched reliably and the caller refuses).
    static func string(_ bytes: PathBytes) -> String? {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        var out = String.UnicodeScalarView()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s): out.append(s)
            case .emptyInput: return String(out)
            case .error: return nil
            }
        }
    }

    /// A quoted, escaped rendering for messages: control characters, quotes and backslashes escaped, so a
    /// hostile name cannot forge lines in a denial or an audit record.
    static func quoted(_ s: String) -> String {
        "\"" + escaped(s) + "\""
    }

    static func escaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F || (0x80..<0xA0).contains(u.value)
                    || u.value == 0x2028 || u.value == 0x2029 {
                    out += "\\u{" + String(u.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    /// Quoting for raw bytes that may not be UTF-8 (invalid bytes shown as \xNN).
    static func quoted(bytes: PathBytes) -> String {
        if let s = string(bytes) { return quoted(s) }
        var out = "\""
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                out += escaped(String(UnicodeScalar(b)))
            } else {
                out += "\\x" + (b < 0x10 ? "0" : "") + String(b, radix: 16)
            }
            i += 1
        }
        return out + "\""
    }
}
