// Strict RFC 8259 parser for the transport wall. It runs on every message in both directions, so it is
// hand-written over raw bytes: one pass, no Foundation, strings without escapes are copied once.
//
// Strict means: invalid UTF-8 (overlongs, encoded surrogates, > U+10FFFF), lone surrogates in \u
// escapes, duplicate object keys anywhere in the tree (compared after unescaping, so "a" and "\u0061"
// collide), control characters in strings, leading zeros, a byte-order mark and trailing data are all
// refused. A peer that could make the wall and the server read different values out of one message
// (first-vs-last duplicate wins, lossy UTF-8 repair) could smuggle arguments past the policy.
//
// Nesting deeper than `maxDepth` is refused before it can exhaust the stack.

public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case byteOrderMark
        case invalidUTF8
        case controlCharacterInString
        case invalidEscape
        case loneSurrogate
        case invalidNumber
        case duplicateKey(String)
        case tooDeep(Int)
        case trailingData
    }

    /// Byte offset into the input where the problem was found.
    public var offset: Int
    public var reason: Reason

    public init(offset: Int, reason: Reason) { self.offset = offset; self.reason = reason }

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedByte(let b):
            what = b >= 0x20 && b < 0x7f ? "unexpected character '\(Character(Unicode.Scalar(b)))'" : "unexpected byte 0x\(String(b, radix: 16))"
        case .byteOrderMark: what = "byte-order mark is not allowed"
        case .invalidUTF8: what = "invalid UTF-8"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .invalidEscape: what = "invalid escape sequence"
        case .loneSurrogate: what = "lone UTF-16 surrogate in \\u escape"
        case .invalidNumber: what = "invalid number"
        case .duplicateKey(let k): what = "duplicate key \(JSONSerializer.quoted(k))"
        case .tooDeep(let d): what = "nesting deeper than \(d) levels"
        case .trailingData: what = "data after the JSON value"
        }
        return "\(what) at byte \(offset)"
    }
}

/// One member of a top-level object parsed by `JSONParser.parseTopLevel`.
public struct JSONMember: Sendable {
    public var key: String
    /// nil when the caller chose not to materialise this member (it was still fully validated).
    public var value: JSONValue?
    /// Byte range of the value's text within the input.
    public var range: Range<Int>
    /// First byte of the value's text: `{`, `[`, `"`, `t`, `f`, `n`, `-` or a digit.
    public var leadByte: UInt8
}

public enum JSONTopLevel: Sendable {
    case object([JSONMember])
    case array
    case scalar
}

public enum JSONParser {
    public static let defaultMaxDepth = 512

    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw JSONParseError(offset: 0, reason: .unexpectedEnd)
        }
        var s = JSONScanner(base: base, count: bytes.count, maxDepth: maxDepth)
        try s.checkStart()
        let v = try s.value(depth: 0, build: true)
        try s.finish()
        return v
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        let r: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { buf in
            do throws(JSONParseError) { return .success(try parse(buf, maxDepth: maxDepth)) } catch { return .failure(error) }
        }
        return try r.get()
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    /// Validates without building values (same strictness as `parse`).
    public static func validate(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw JSONParseError(offset: 0, reason: .unexpectedEnd)
        }
        var s = JSONScanner(base: base, count: bytes.count, maxDepth: maxDepth)
        try s.checkStart()
        _ = try s.value(depth: 0, build: false)
        try s.finish()
    }

    /// Validates the whole input strictly, but materialises only the top-level members `materialize`
    /// selects; the others come back as byte ranges. Lets the proxy read an envelope (`id`, `method`)
    /// out of a 50 MiB tool result without building a 50 MiB string.
    public static func parseTopLevel(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth,
                                     materialize: (String) -> Bool) throws(JSONParseError) -> JSONTopLevel {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw JSONParseError(offset: 0, reason: .unexpectedEnd)
        }
        var s = JSONScanner(base: base, count: bytes.count, maxDepth: maxDepth)
        try s.checkStart()
        s.skipWhitespace()
        guard s.pos < s.count else { throw JSONParseError(offset: s.pos, reason: .unexpectedEnd) }
        switch base[s.pos] {
        case UInt8(ascii: "{"):
            var members: [JSONMember] = []
            try s.members(buildKeys: true) { (k, range, lead, scanner) throws(JSONParseError) in
                let key = k ?? ""
                let build = materialize(key)
                let v = try scanner.value(depth: 1, build: build)
                members.append(JSONMember(key: key, value: build ? v : nil, range: range.lowerBound..<scanner.pos, leadByte: lead))
            }
            try s.finish()
            return .object(members)
        case UInt8(ascii: "["):
            _ = try s.value(depth: 0, build: false)
            try s.finish()
            return .array
        default:
            _ = try s.value(depth: 0, build: false)
            try s.finish()
            return .scalar
        }
    }

    public static func parseTopLevel(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth,
                                     materialize: (String) -> Bool) throws(JSONParseError) -> JSONTopLevel {
        let r: Result<JSONTopLevel, JSONParseError> = bytes.withUnsafeBytes { buf in
            do throws(JSONParseError) { return .success(try parseTopLevel(buf, maxDepth: maxDepth, materialize: materialize)) }
            catch { return .failure(error) }
        }
        return try r.get()
    }

    /// Reads top-level member `key` from a possibly truncated or broken object: walks members until the
    /// first error and returns the member's value and raw text if it was complete by then and seen once.
    /// Used to give an over-long or malformed request's error reply the right id.
    public static func peekMember(_ key: String, in bytes: UnsafeRawBufferPointer) -> (value: JSONValue, text: Range<Int>)? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else { return nil }
        var s = JSONScanner(base: base, count: bytes.count, maxDepth: defaultMaxDepth)
        var found: (JSONValue, Range<Int>)?
        do throws(JSONParseError) {
            try s.checkStart()
            s.skipWhitespace()
            guard s.pos < s.count, base[s.pos] == UInt8(ascii: "{") else { return nil }
            try s.members(buildKeys: true) { (k, range, _, scanner) throws(JSONParseError) in
                let want = k == key
                let v = try scanner.value(depth: 1, build: want)
                if want { found = (v, range.lowerBound..<scanner.pos) }
            }
        } catch {
            // A second `key` makes the value ambiguous: which one the sender meant is unknowable.
            if case .duplicateKey(let k) = error.reason, k == key { return nil }
        }
        return found
    }
}

/// The byte scanner behind `JSONParser`. Recursion depth is bounded by `maxDepth`.
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    var pos = 0
    /// Decoded bytes of the keys of the objects being parsed (innermost last) and each key's span: duplicate
    /// checks compare bytes here, so a key costs no String and no allocation unless the caller wants it.
    var keyBytes: [UInt8] = []
    var keySpans: [(start: Int, end: Int)] = []

    init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.base = base; self.count = count; self.maxDepth = maxDepth
        keyBytes.reserveCapacity(256)
        keySpans.reserveCapacity(32)
    }

    @inline(__always) func fail(_ r: JSONParseError.Reason, at p: Int? = nil) -> JSONParseError {
        JSONParseError(offset: p ?? pos, reason: r)
    }

    func checkStart() throws(JSONParseError) {
        if count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { throw fail(.byteOrderMark, at: 0) }
    }

    mutating func finish() throws(JSONParseError) {
        skipWhitespace()
        if pos != count { throw fail(.trailingData) }
    }

    @inline(__always) mutating func skipWhitespace() {
        while pos < count {
            let b = base[pos]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos &+= 1 } else { return }
        }
    }

    mutating func value(depth: Int, build: Bool) throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard pos < count else { throw fail(.unexpectedEnd) }
        switch base[pos] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1, build: build)
        case UInt8(ascii: "["): return try array(depth: depth + 1, build: build)
        case UInt8(ascii: "\""): return .string(try string(build: build))
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number(build: build)
        case let b: throw fail(.unexpectedByte(b))
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for i in 0..<n {
            guard pos + i < count else { throw fail(.unexpectedEnd, at: pos + i) }
            if base[pos + i] != w[i] { throw fail(.unexpectedByte(base[pos + i]), at: pos + i) }
        }
        pos += n
    }

    mutating func number(build: Bool) throws(JSONParseError) -> JSONValue {
        let start = pos
        if base[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < count else { throw fail(.invalidNumber, at: start) }
        if base[pos] == UInt8(ascii: "0") {
            pos += 1
        } else if isDigit(base[pos]) {
            while pos < count && isDigit(base[pos]) { pos &+= 1 }
        } else {
            throw fail(.invalidNumber, at: start)
        }
        if pos < count && base[pos] == UInt8(ascii: ".") {
            pos += 1
            guard pos < count && isDigit(base[pos]) else { throw fail(.invalidNumber, at: start) }
            while pos < count && isDigit(base[pos]) { pos &+= 1 }
        }
        if pos < count && (base[pos] == UInt8(ascii: "e") || base[pos] == UInt8(ascii: "E")) {
            pos += 1
            if pos < count && (base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-")) { pos += 1 }
            guard pos < count && isDigit(base[pos]) else { throw fail(.invalidNumber, at: start) }
            while pos < count && isDigit(base[pos]) { pos &+= 1 }
        }
        // "01", "1x" and similar are caught by the caller seeing an unexpected byte after the number.
        if !build { return .null }
        return .number(String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self))
    }

    @inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    mutating func array(depth: Int, build: Bool) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw fail(.tooDeep(maxDepth)) }
        pos += 1 // [
        var items: [JSONValue] = []
        skipWhitespace()
        guard pos < count else { throw fail(.unexpectedEnd) }
        if base[pos] == UInt8(ascii: "]") { pos += 1; return build ? .array(items) : .null }
        while true {
            let v = try value(depth: depth, build: build)
            if build { items.append(v) }
            skipWhitespace()
            guard pos < count else { throw fail(.unexpectedEnd) }
            let b = base[pos]
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { break }
            throw fail(.unexpectedByte(b), at: pos - 1)
        }
        return build ? .array(items) : .null
    }

    mutating func object(depth: Int, build: Bool) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw fail(.tooDeep(maxDepth)) }
        var members: [(String, JSONValue)] = []
        try self.members(buildKeys: build) { (key, _, _, scanner) throws(JSONParseError) in
            let v = try scanner.value(depth: depth, build: build)
            if build, let key { members.append((key, v)) }
        }
        return build ? .object(members) : .null
    }

    /// Walks an object's members starting at `{`, checking key uniqueness; `visit` must consume the value.
    /// `visit` gets the key (nil unless `buildKeys`), the value's start offset (as an empty range) and its
    /// first byte.
    mutating func members(buildKeys: Bool,
                          _ visit: (String?, Range<Int>, UInt8, inout JSONScanner) throws(JSONParseError) -> Void) throws(JSONParseError) {
        pos += 1 // {
        skipWhitespace()
        guard pos < count else { throw fail(.unexpectedEnd) }
        if base[pos] == UInt8(ascii: "}") { pos += 1; return }
        let spanBase = keySpans.count
        let bytesBase = keyBytes.count
        // Past this many keys, a hash set keeps the check linear (an attacker's 100k-key object).
        var large: Set<[UInt8]>? = nil
        while true {
            skipWhitespace()
            guard pos < count else { throw fail(.unexpectedEnd) }
            guard base[pos] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(base[pos])) }
            let keyStart = pos
            let kStart = keyBytes.count
            try scanKey()
            let kEnd = keyBytes.count
            var duplicate = false
            if large == nil {
                for span in keySpans[spanBase...] where span.end - span.start == kEnd - kStart {
                    if keyBytes[span.start..<span.end].elementsEqual(keyBytes[kStart..<kEnd]) { duplicate = true; break }
                }
                keySpans.append((kStart, kEnd))
                if keySpans.count - spanBase > 32 {
                    large = Set(keySpans[spanBase...].map { Array(keyBytes[$0.start..<$0.end]) })
                }
            } else {
                duplicate = !(large?.insert(Array(keyBytes[kStart..<kEnd])).inserted ?? false)
            }
            if duplicate {
                throw fail(.duplicateKey(String(decoding: keyBytes[kStart..<kEnd], as: UTF8.self)), at: keyStart)
            }
            let key: String? = buildKeys ? String(decoding: keyBytes[kStart..<kEnd], as: UTF8.self) : nil
            skipWhitespace()
            guard pos < count else { throw fail(.unexpectedEnd) }
            guard base[pos] == UInt8(ascii: ":") else { throw fail(.unexpectedByte(base[pos])) }
            pos += 1
            skipWhitespace()
            guard pos < count else { throw fail(.unexpectedEnd) }
            try visit(key, pos..<pos, base[pos], &self)
            skipWhitespace()
            guard pos < count else { throw fail(.unexpectedEnd) }
            let b = base[pos]
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "}") {
                if spanBase == 0 {
                    keySpans.removeAll(keepingCapacity: true)
                    keyBytes.removeAll(keepingCapacity: true)
                } else {
                    keySpans.removeLast(keySpans.count - spanBase)
                    keyBytes.removeLast(keyBytes.count - bytesBase)
                }
                return
            }
            throw fail(.unexpectedByte(b), at: pos - 1)
        }
    }

    /// Scans a key at `"`, appending its decoded bytes to `keyBytes` (same validation as `string`).
    mutating func scanKey() throws(JSONParseError) {
        var kb: [UInt8] = []
        swap(&kb, &keyBytes)
        defer { swap(&kb, &keyBytes) }
        pos += 1
        var segStart = pos
        while true {
            while pos &+ 8 <= count {
                let v = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
                if JSONScanner.hasSpecialByte(v) { break }
                pos &+= 8
            }
            guard pos < count else { throw fail(.unexpectedEnd) }
            let b = base[pos]
            if b == UInt8(ascii: "\"") {
                kb.append(contentsOf: UnsafeBufferPointer(start: base + segStart, count: pos - segStart))
                pos += 1
                return
            } else if b == UInt8(ascii: "\\") {
                kb.append(contentsOf: UnsafeBufferPointer(start: base + segStart, count: pos - segStart))
                try escape(into: &kb, build: true)
                segStart = pos
            } else if b < 0x20 {
                throw fail(.controlCharacterInString)
            } else if b >= 0x80 {
                try utf8Sequence()
            } else {
                pos &+= 1
            }
        }
    }

    /// Scans a string at `"`; returns it decoded when `build`, else "" (still fully validated).
    mutating func string(build: Bool) throws(JSONParseError) -> String {
        pos += 1 // opening quote
        var segStart = pos
        // Decoded bytes, used only once an escape appears; strings without escapes are copied once.
        var buf: [UInt8] = []
        var escaped = false
        while true {
            // 8 bytes at a time while none is special (quote, backslash, control, non-ASCII).
            while pos &+ 8 <= count {
                let v = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
                if JSONScanner.hasSpecialByte(v) { break }
                pos &+= 8
            }
            guard pos < count else { throw fail(.unexpectedEnd) }
            let b = base[pos]
            if b == UInt8(ascii: "\"") {
                let end = pos
                pos += 1
                guard build else { return "" }
                let seg = UnsafeBufferPointer(start: base + segStart, count: end - segStart)
                if escaped {
                    buf.append(contentsOf: seg)
                    return String(decoding: buf, as: UTF8.self)
                }
                return String(decoding: seg, as: UTF8.self)
            } else if b == UInt8(ascii: "\\") {
                if build {
                    if !escaped { escaped = true; buf.reserveCapacity(pos - segStart + 16) }
                    buf.append(contentsOf: UnsafeBufferPointer(start: base + segStart, count: pos - segStart))
                }
                try escape(into: &buf, build: build)
                segStart = pos
            } else if b < 0x20 {
                throw fail(.controlCharacterInString)
            } else if b >= 0x80 {
                try utf8Sequence()
            } else {
                pos &+= 1
            }
        }
    }

    @inline(__always) static func hasSpecialByte(_ v: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = v ^ (ones &* 0x22)
        let slash = v ^ (ones &* 0x5C)
        let zQuote = (quote &- ones) & ~quote
        let zSlash = (slash &- ones) & ~slash
        let control = (v &- ones &* 0x20) & ~v
        return ((zQuote | zSlash | control) & highs) | (v & highs) != 0
    }

    /// At a backslash: validates (and decodes into `buf` when building) one escape.
    mutating func escape(into buf: inout [UInt8], build: Bool) throws(JSONParseError) {
        let start = pos
        pos += 1
        guard pos < count else { throw fail(.unexpectedEnd) }
        let c = base[pos]
        pos += 1
        let simple: UInt8
        switch c {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            var scalar = try hex4(escapeStart: start)
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                guard pos + 1 < count, base[pos] == UInt8(ascii: "\\"), base[pos + 1] == UInt8(ascii: "u") else {
                    throw fail(.loneSurrogate, at: start)
                }
                let lowStart = pos
                pos += 2
                let low = try hex4(escapeStart: lowStart)
                guard low >= 0xDC00 && low <= 0xDFFF else { throw fail(.loneSurrogate, at: start) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw fail(.loneSurrogate, at: start)
            }
            if build { JSONScanner.appendUTF8(scalar, to: &buf) }
            return
        default:
            throw fail(.invalidEscape, at: start)
        }
        if build { buf.append(simple) }
    }

    mutating func hex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= count else { throw fail(.unexpectedEnd) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let h = base[pos]
            let d: UInt8
            switch h {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = h - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = h - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = h - UInt8(ascii: "A") + 10
            default: throw fail(.invalidEscape, at: escapeStart)
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    static func appendUTF8(_ s: UInt32, to buf: inout [UInt8]) {
        if s < 0x80 {
            buf.append(UInt8(s))
        } else if s < 0x800 {
            buf.append(UInt8(0xC0 | (s >> 6))); buf.append(UInt8(0x80 | (s & 0x3F)))
        } else if s < 0x10000 {
            buf.append(UInt8(0xE0 | (s >> 12))); buf.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            buf.append(UInt8(0x80 | (s & 0x3F)))
        } else {
            buf.append(UInt8(0xF0 | (s >> 18))); buf.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            buf.append(UInt8(0x80 | ((s >> 6) & 0x3F))); buf.append(UInt8(0x80 | (s & 0x3F)))
        }
    }

    /// Validates one multi-byte UTF-8 sequence at `pos` (Unicode 15, table 3-7) and steps over it.
    mutating func utf8Sequence() throws(JSONParseError) {
        let b0 = base[pos]
        let need: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: throw fail(.invalidUTF8)
        }
        guard pos + need < count else { throw fail(.invalidUTF8) }
        let b1 = base[pos + 1]
        guard b1 >= lo && b1 <= hi else { throw fail(.invalidUTF8) }
        var i = 2
        while i <= need {
            guard base[pos + i] & 0xC0 == 0x80 else { throw fail(.invalidUTF8) }
            i += 1
        }
        pos += need + 1
    }
}
