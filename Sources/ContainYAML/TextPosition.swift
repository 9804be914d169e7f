// Byte offsets -> line:column, counted the way libyaml counts its marks, so a reader error (libyaml gives
// only the offset) points where a scanner error at the same byte would.

enum TextPosition {
    /// Lines break at LF, CR, CRLF (one break), NEL, LS and PS; columns count Unicode scalars (a byte that
    /// is not a UTF-8 continuation byte starts one, which also counts stray bytes of invalid text).
    static func mark(ofByteOffset offset: Int, in b: UnsafeBufferPointer<UInt8>) -> YAMLMark {
        var line = 1, column = 1, i = 0
        let end = min(max(offset, 0), b.count)
        while i < end {
            let c = b[i]
            let next: UInt8 = i + 1 < b.count ? b[i + 1] : 0
            var breakLength = 0
            if c == 0x0A {
                breakLength = 1
            } else if c == 0x0D {
                breakLength = next == 0x0A ? 2 : 1
            } else if c == 0xC2, next == 0x85 {
                breakLength = 2
            } else if c == 0xE2, next == 0x80, i + 2 < b.count, b[i + 2] == 0xA8 || b[i + 2] == 0xA9 {
                breakLength = 3
            }
            if breakLength > 0 {
                line += 1
                column = 1
                i += breakLength
                continue
            }
            if c & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return YAMLMark(line: line, column: column)
    }
}
