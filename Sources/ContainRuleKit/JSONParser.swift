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

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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

/// What a JSON text is at its top level (`scanTopLevel`).
public enum JSONTopLevelKind: Sendable, Equatable {
    case object
    case array
    case scalar
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
        return try JSONScanner.withScanner(base, count: bytes.count, maxDepth: maxDepth) { (s) throws(JSONParseError) -> JSONValue in
            try s.checkStart()
            let v = try s.value(depth: 0, build: true)
            try s.finish()
            return v
        }
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
        try JSONScanner.withScanner(base, count: bytes.count, maxDepth: maxDepth) { (s) throws(JSONParseError) in
            try s.checkStart()
            _ = try s.value(depth: 0, build: false)
            try s.finish()
        }
    }

    /// Validates the whole input strictly, but materialises only the top-level members `materialize`
    /// selects; the others come back as byte ranges. Lets the proxy read an envelope (`id`, `method`)
    /// out of a 50 MiB tool result without building a 50 MiB string.
    public static func parseTopLevel(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth,
                                     materialize: (String) -> Bool) throws(JSONParseError) -> JSONTopLevel {
        var members: [JSONMember] = []
        let kind = try scanTopLevel(bytes, maxDepth: maxDepth,
                                    build: { materialize(String(decoding: $0, as: UTF8.self)) }) { key, value, range, lead in
            members.append(JSONMember(key: String(decoding: key, as: UTF8.self), value: value, range: range, leadByte: lead))
        }
        switch kind {
        case .object: return .object(members)
        case .array: return .array
        case .scalar: return .scalar
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

    /// The per-message form of `parseTopLevel`: one strict pass over the whole input, no String per key and
    /// no member array. For each member of a top-level object, `build` gets the decoded key and says whether
    /// the value is built; `member` then gets the key, the value (nil when not built), the byte range of the
    /// value's text and its first byte. Key bytes are valid only during each call.
    public static func scanTopLevel(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth,
                                    build: (UnsafeRawBufferPointer) -> Bool,
                                    member: (UnsafeRawBufferPointer, JSONValue?, Range<Int>, UInt8) -> Void) throws(JSONParseError) -> JSONTopLevelKind {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw JSONParseError(offset: 0, reason: .unexpectedEnd)
        }
        return try JSONScanner.withScanner(base, count: bytes.count, maxDepth: maxDepth) { (s) throws(JSONParseError) -> JSONTopLevelKind in
            try s.checkStart()
            s.skipWhitespace()
            guard s.pos < s.count else { throw JSONParseError(offset: s.pos, reason: .unexpectedEnd) }
            let kind: JSONTopLevelKind
            switch base[s.pos] {
            case UInt8(ascii: "{"):
                kind = .object
                try s.members { (key, start, lead, scanner) throws(JSONParseError) in
                    let wanted = scanner.withKey(key, build)
                    let v = try scanner.value(depth: 1, build: wanted)
                    let range = start..<scanner.pos
                    scanner.withKey(key) { member($0, wanted ? v : nil, range, lead) }
                }
            case UInt8(ascii: "["):
                kind = .array
                _ = try s.value(depth: 0, build: false)
            default:
                kind = .scalar
                _ = try s.value(depth: 0, build: false)
            }
            try s.finish()
            return kind
        }
    }

    /// Reads top-level member `key` from a possibly truncated or broken object: walks members until the
    /// first error and returns the member's value and raw text if it was complete by then and seen once.
    /// Used to give an over-long or malformed request's error reply the right id.
    public static func peekMember(_ key: String, in bytes: UnsafeRawBufferPointer) -> (value: JSONValue, text: Range<Int>)? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else { return nil }
        var s = JSONScanner(base: base, count: bytes.count, maxDepth: defaultMaxDepth)
        defer { s.release() }
        var found: (JSONValue, Range<Int>)?
        do throws(JSONParseError) {
            try s.checkStart()
            s.skipWhitespace()
            guard s.pos < s.count, base[s.pos] == UInt8(ascii: "{") else { return nil }
            try s.members { (k, start, _, scanner) throws(JSONParseError) in
                let want = scanner.keyString(k) == key
                let v = try scanner.value(depth: 1, build: want)
                if want { found = (v, start..<scanner.pos) }
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
    /// The keys of the objects being walked (innermost last), for duplicate checks: a key without escapes
    /// is compared in the input itself, so a key costs no String and no copy unless the caller wants one.
    /// A stack with its own storage (`release()` frees it): a Swift array here cost a uniqueness check
    /// and a generic shrink per key, which showed up in the proxy's per-message profile.
    private var keys: UnsafeMutablePointer<KeyRef>?
    private var keysCapacity = 0
    private var keyCount = 0
    /// The stack outgrew the caller's storage and lives on the heap (freed by `release()`).
    private var keysOnHeap = false
    /// Decoded bytes of the keys that had escapes.
    private var escapedKeys: [UInt8] = []

    /// Where a key's decoded bytes are: the input's own bytes, or a stretch of `escapedKeys`.
    struct KeyRef {
        var start: Int
        var end: Int
        var escaped: Bool
        var length: Int { end - start }
    }

    /// `keyStorage`: room for the first keys of the stack (the entry points pass stack memory, so a
    /// message with a few dozen keys costs no heap allocation for them); more go to the heap.
    init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int,
         keyStorage: UnsafeMutableBufferPointer<KeyRef> = UnsafeMutableBufferPointer(start: nil, count: 0)) {
        self.base = base; self.count = count; self.maxDepth = maxDepth
        keys = keyStorage.baseAddress
        keysCapacity = keys == nil ? 0 : keyStorage.count
    }

    /// Entry points run the scanner with its first keys' storage on the stack.
    static func withScanner<R>(_ bytes: UnsafePointer<UInt8>, count: Int, maxDepth: Int,
                               _ body: (inout JSONScanner) throws(JSONParseError) -> R) throws(JSONParseError) -> R {
        try withUnsafeTemporaryAllocation(of: KeyRef.self, capacity: inlineKeys) { (storage) throws(JSONParseError) -> R in
            var s = JSONScanner(base: bytes, count: count, maxDepth: maxDepth, keyStorage: storage)
            defer { s.release() }
            return try body(&s)
        }
    }

    /// 32 keys of 24 bytes: within the size Swift always places on the stack.
    static let inlineKeys = 32

    /// Frees the key stack if it moved to the heap; every entry point calls it (deferred) when done.
    mutating func release() {
        if keysOnHeap { keys?.deallocate() }
        keysOnHeap = false
        keys = nil
        keysCapacity = 0
        keyCount = 0
    }

    @inline(__always) private mutating func pushKey(_ k: KeyRef) {
        if let keys, keyCount < keysCapacity {
            keys.advanced(by: keyCount).initialize(to: k)
        } else {
            let newCapacity = max(16, keysCapacity * 2)
            let grown = UnsafeMutablePointer<KeyRef>.allocate(capacity: newCapacity)
            if let old = keys {
                grown.moveInitialize(from: old, count: keyCount)
                if keysOnHeap { old.deallocate() }
            }
            grown.advanced(by: keyCount).initialize(to: k)
            keys = grown
            keysCapacity = newCapacity
            keysOnHeap = true
        }
        keyCount += 1
    }

    /// Keys `from..<keyCount` of the stack (empty when nothing was pushed).
    private func keyStack(from: Int) -> UnsafeBufferPointer<KeyRef> {
        guard let keys, from < keyCount else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: keys + from, count: keyCount - from)
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
        if !build {
            try skip(depth: depth)
            return .null
        }
        skipWhitespace()
        guard pos < count else { throw fail(.unexpectedEnd) }
        switch base[pos] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string(build: true))
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number(build: true)
        case let b: throw fail(.unexpectedByte(b))
        }
    }

    /// Validates one value without building it: the checks of `value(depth:build:)` in the same order (so
    /// the same errors at the same offsets), without a JSONValue to return through every level. Most of what
    /// the wall reads (a server's results) is only validated.
    mutating func skip(depth: Int) throws(JSONParseError) {
        skipWhitespace()
        guard pos < count else { throw fail(.unexpectedEnd) }
        switch base[pos] {
        case UInt8(ascii: "{"):
            if depth + 1 > maxDepth { throw fail(.tooDeep(maxDepth)) }
            try members { (_, _, _, scanner) throws(JSONParseError) in try scanner.skip(depth: depth + 1) }
        case UInt8(ascii: "["):
            if depth + 1 > maxDepth { throw fail(.tooDeep(maxDepth)) }
            pos += 1 // [
            skipWhitespace()
            guard pos < count else { throw fail(.unexpectedEnd) }
            if base[pos] == UInt8(ascii: "]") { pos += 1; return }
            while true {
                try skip(depth: depth + 1)
                skipWhitespace()
                guard pos < count else { throw fail(.unexpectedEnd) }
                let b = base[pos]
                pos += 1
                if b == UInt8(ascii: ",") { continue }
                if b == UInt8(ascii: "]") { return }
                throw fail(.unexpectedByte(b), at: pos - 1)
            }
        case UInt8(ascii: "\""): _ = try string(build: false)
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try number(build: false)
        case let b: throw fail(.unexpectedByte(b))
        }
    }

    @inline(__always) mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for i in 0..<n {
            guard pos + i < count else { throw fail(.unexpectedEnd, at: pos + i) }
            if base[pos + i] != w[i] { throw fail(.unexpectedByte(base[pos + i]), at: pos + i) }
        }
        pos += n
    }

    @inline(__always) mutating func number(build: Bool) throws(JSONParseError) -> JSONValue {
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

    /// An array, built (values that are only validated go through `skip`).
    mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw fail(.tooDeep(maxDepth)) }
        pos += 1 // [
        var items: [JSONValue] = []
        skipWhitespace()
        guard pos < count else { throw fail(.unexpectedEnd) }
        if base[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            items.append(try value(depth: depth, build: true))
            skipWhitespace()
            guard pos < count else { throw fail(.unexpectedEnd) }
            let b = base[pos]
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { break }
            throw fail(.unexpectedByte(b), at: pos - 1)
        }
        return .array(items)
    }

    /// An object, built (values that are only validated go through `skip`).
    mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw fail(.tooDeep(maxDepth)) }
        var members: [(String, JSONValue)] = []
        // One allocation for the common small object instead of growing 1, 2, 4.
        members.reserveCapacity(4)
        try self.members { (key, _, _, scanner) throws(JSONParseError) in
            let k = scanner.keyString(key)
            members.append((k, try scanner.value(depth: depth, build: true)))
        }
        return .object(members)
    }

    /// The decoded key `members` reported (valid while its object is being walked).
    func keyString(_ key: KeyRef) -> String {
        withKey(key) { String(decoding: $0, as: UTF8.self) }
    }

    func withKey<R>(_ key: KeyRef, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if !key.escaped { return body(UnsafeRawBufferPointer(start: base + key.start, count: key.length)) }
        return escapedKeys.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[key.start..<key.end])) }
    }

    private func keyArray(_ key: KeyRef) -> [UInt8] { withKey(key) { Array($0) } }

    private func sameKey(_ a: KeyRef, _ b: KeyRef) -> Bool {
        guard a.length == b.length else { return false }
        if a.length == 0 { return true }
        if !a.escaped && !b.escaped { return memcmp(base + a.start, base + b.start, a.length) == 0 }
        return withKey(a) { pa in withKey(b) { pb in
            guard let x = pa.baseAddress, let y = pb.baseAddress else { return false }
            return memcmp(x, y, a.length) == 0
        } }
    }

    /// Walks an object's members starting at `{`, checking key uniqueness; `visit` must consume the value.
    /// `visit` gets the key (stable until the object ends), the value's start offset and its first byte.
    @inline(__always) mutating func members(_ visit: (KeyRef, Int, UInt8, inout JSONScanner) throws(JSONParseError) -> Void) throws(JSONParseError) {
        pos += 1 // {
        skipWhitespace()
        guard pos < count else { throw fail(.unexpectedEnd) }
        if base[pos] == UInt8(ascii: "}") { pos += 1; return }
        let keyBase = keyCount
        let escapedBase = escapedKeys.count
        // Past this many keys, a hash set keeps the check linear (an attacker's 100k-key object).
        var large: Set<[UInt8]>? = nil
        while true {
            skipWhitespace()
            guard pos < count else { throw fail(.unexpectedEnd) }
            guard base[pos] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(base[pos])) }
            let keyStart = pos
            let key = try scanKey()
            var duplicate = false
            if large == nil {
                for earlier in keyStack(from: keyBase) where sameKey(earlier, key) { duplicate = true; break }
                pushKey(key)
                if keyCount - keyBase > 32 {
                    var set = Set<[UInt8]>()
                    for k in keyStack(from: keyBase) { set.insert(keyArray(k)) }
                    large = set
                }
            } else {
                duplicate = !(large?.insert(keyArray(key)).inserted ?? false)
            }
            if duplicate {
                throw fail(.duplicateKey(keyString(key)), at: keyStart)
            }
            skipWhitespace()
            guard pos < count else { throw fail(.unexpectedEnd) }
            guard base[pos] == UInt8(ascii: ":") else { throw fail(.unexpectedByte(base[pos])) }
            pos += 1
            skipWhitespace()
            guard pos < count else { throw fail(.unexpectedEnd) }
            try visit(key, pos, base[pos], &self)
            skipWhitespace()
            guard pos < count else { throw fail(.unexpectedEnd) }
            let b = base[pos]
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "}") {
                keyCount = keyBase
                if escapedKeys.count > escapedBase { escapedKeys.removeLast(escapedKeys.count - escapedBase) }
                return
            }
            throw fail(.unexpectedByte(b), at: pos - 1)
        }
    }

    /// Scans a key at `"` (same validation as `string`). A key without escapes stays where it is in the
    /// input; one with escapes is decoded onto `escapedKeys`.
    // scanKey, string, number, literal and pushKey are inlined into the member and value loops, and the member
    // loop into its callers: a call per key or scalar was 5-7% of a message's parse (callgrind, bench/proxy
    // shapes).
    @inline(__always) mutating func scanKey() throws(JSONParseError) -> KeyRef {
        pos += 1
        let start = pos
        while true {
            skipPlainBytes()
            guard pos < count else { throw fail(.unexpectedEnd) }
            let b = base[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                return KeyRef(start: start, end: pos - 1, escaped: false)
            } else if b == UInt8(ascii: "\\") {
                return try scanEscapedKey(from: start)
            } else if b < 0x20 {
                throw fail(.controlCharacterInString)
            } else {
                try utf8Sequence()
            }
        }
    }

    /// The rest of a key from its first backslash, decoded onto `escapedKeys`.
    private mutating func scanEscapedKey(from start: Int) throws(JSONParseError) -> KeyRef {
        var kb: [UInt8] = []
        swap(&kb, &escapedKeys)
        defer { swap(&kb, &escapedKeys) }
        let kStart = kb.count
        var segStart = start
        while true {
            skipPlainBytes()
            guard pos < count else { throw fail(.unexpectedEnd) }
            let b = base[pos]
            if b == UInt8(ascii: "\"") {
                kb.append(contentsOf: UnsafeBufferPointer(start: base + segStart, count: pos - segStart))
                pos += 1
                return KeyRef(start: kStart, end: kb.count, escaped: true)
            } else if b == UInt8(ascii: "\\") {
                kb.append(contentsOf: UnsafeBufferPointer(start: base + segStart, count: pos - segStart))
                try escape(into: &kb, build: true)
                segStart = pos
            } else if b < 0x20 {
                throw fail(.controlCharacterInString)
            } else {
                try utf8Sequence()
            }
        }
    }

    /// Scans a string at `"`; returns it decoded when `build`, else "" (still fully validated).
    @inline(__always) mutating func string(build: Bool) throws(JSONParseError) -> String {
        pos += 1 // opening quote
        var segStart = pos
        // Decoded bytes, used only once an escape appears; strings without escapes are copied once.
        var buf: [UInt8] = []
        var escaped = false
        while true {
            skipPlainBytes()
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

    /// Steps over string bytes that need no attention (not a quote, backslash, control character or
    /// non-ASCII byte), 16 at a time, stopping right on the first byte that does; near the end of the
    /// input, 8 and then 1 at a time. Stops at the end when there is none.
    @inline(__always) mutating func skipPlainBytes() {
        var p = pos
        let end = count
        let quote = SIMD16<UInt8>(repeating: 0x22), slash = SIMD16<UInt8>(repeating: 0x5C)
        let space = SIMD16<Int8>(repeating: 0x20)
        while p &+ 16 <= end {
            let v = UnsafeRawPointer(base + p).loadUnaligned(as: SIMD16<UInt8>.self)
            // Read as signed bytes, everything from 0x80 up is negative: one `< 0x20` finds control
            // characters and non-ASCII bytes together.
            let special = (unsafeBitCast(v, to: SIMD16<Int8>.self) .< space) .| (v .== quote) .| (v .== slash)
            // Two 64-bit lanes tested at once: `any()` compiles to a long horizontal reduction here. A lane
            // holds 0xFF per special byte, so its trailing zero bits locate the first one (little-endian).
            let lanes = unsafeBitCast(special, to: SIMD2<UInt64>.self)
            let low = UInt64(littleEndian: lanes[0]), high = UInt64(littleEndian: lanes[1])
            if low | high != 0 {
                pos = low != 0 ? p &+ (low.trailingZeroBitCount &>> 3) : p &+ 8 &+ (high.trailingZeroBitCount &>> 3)
                return
            }
            p &+= 16
        }
        while p &+ 8 <= end {
            let v = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)
            if JSONScanner.hasSpecialByte(v) { break }
            p &+= 8
        }
        while p < end {
            let b = base[p]
            if b == 0x22 || b == 0x5C || b < 0x20 || b >= 0x80 { break }
            p &+= 1
        }
        pos = p
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
