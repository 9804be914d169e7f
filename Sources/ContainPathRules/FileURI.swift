// file: URIs, as clients send roots ("file:///home/me/project") and as some servers accept paths.
// Only local, absolute file URIs are understood; anything else is refused rather than guessed at.

enum FileURI {
    /// Starts with "file:" in any letter case.
    static func looksLikeFileURI(_ bytes: PathBytes) -> Bool {
        guard bytes.count >= 5 else { return false }
        let scheme = bytes[0..<4].map { $0 | 0x20 } // ASCII lower-case; non-letters cannot equal "file"
        return scheme == Array("file".utf8) && bytes[4] == 0x3A /* : */
    }

    /// The percent-decoded path bytes of a local file URI: `file:///p`, `file://localhost/p`, `file:/p`.
    static func decodePath(_ uri: String) throws(PathCanonicalizationError) -> PathBytes {
        let bytes = Array(uri.utf8)
        guard looksLikeFileURI(bytes) else { throw .badFileURI("not a file: URI") }
        var rest = Array(bytes[5...])
        if rest.starts(with: [0x2F, 0x2F]) { // "//" authority
            rest.removeFirst(2)
            let end = rest.firstIndex(of: PathByteOps.slash) ?? rest.endIndex
            let authority = rest[..<end].map { $0 | 0x20 }
            guard authority.isEmpty || authority == Array("localhost".utf8) else {
                throw .badFileURI("remote host \(PathByteOps.quoted(String(decoding: rest[..<end], as: UTF8.self))); only local files")
            }
            rest = Array(rest[end...])
        }
        guard rest.first == PathByteOps.slash else { throw .badFileURI("the path is not absolute") }
        if rest.contains(0x3F /* ? */) || rest.contains(0x23 /* # */) {
            throw .badFileURI("query or fragment; percent-encode ? and # in file names")
        }
        var out: PathBytes = []
        out.reserveCapacity(rest.count)
        var i = 0
        while i < rest.count {
            let b = rest[i]
            if b == 0x25 /* % */ {
                guard i + 2 < rest.count, let hi = hexValue(rest[i + 1]), let lo = hexValue(rest[i + 2]) else {
                    throw .badFileURI("bad percent-escape")
                }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(b)
                i += 1
            }
        }
        if out.contains(0) { throw .containsNUL }
        if out.count >= PathSys.pathMax { throw .tooLong(bytes: out.count) }
        return out
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}
