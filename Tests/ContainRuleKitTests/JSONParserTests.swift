import Testing
@testable import ContainRuleKit

private func parse(_ s: String) throws(JSONParseError) -> JSONValue { try JSONParser.parse(s) }
private func parseBytes(_ b: [UInt8]) throws(JSONParseError) -> JSONValue { try JSONParser.parse(b) }

private func reason(_ s: String) -> JSONParseError.Reason? {
    do { _ = try parse(s); return nil } catch { return error.reason }
}
private func reasonBytes(_ b: [UInt8]) -> JSONParseError.Reason? {
    do { _ = try parseBytes(b); return nil } catch { return error.reason }
}

@Test func parsesScalarsAndKeepsNumberText() throws {
    #expect(try parse("null") == .null)
    #expect(try parse(" true ") == .bool(true))
    #expect(try parse("false") == .bool(false))
    if case .number(let t) = try parse("-0.5e+10") { #expect(t == "-0.5e+10") } else { Issue.record("not a number") }
    if case .number(let t) = try parse("12345678901234567890123") { #expect(t == "12345678901234567890123") } else { Issue.record("not a number") }
    #expect(try parse("\"a\\u00e9\\n\\\"\\\\\\/\"") == .string("a\u{e9}\n\"\\/"))
    #expect(try parse("\"\\ud83d\\ude00\"") == .string("\u{1F600}"))
    #expect(try parse("\"\\u0000\"") == .string("\u{0}"))
}

@Test func parsesObjectsInOrder() throws {
    let v = try parse(#"{"b":1,"a":[true,{"c":null}],"d":"x"}"#)
    guard case .object(let m) = v else { Issue.record("not an object"); return }
    #expect(m.map(\.0) == ["b", "a", "d"])
    #expect(v["a"] == .array([.bool(true), .object([("c", .null)])]))
}

@Test func refusesDuplicateKeysAnywhere() {
    // An attacker sends {"command":"ls","command":"rm -rf /"}: the wall must not read one and the server the other.
    #expect(reason(#"{"a":1,"a":2}"#) == .duplicateKey("a"))
    #expect(reason(#"{"x":[{"k":1,"y":{"a":1,"b":2,"a":3}}]}"#) == .duplicateKey("a"))
    // Same key spelled with an escape.
    #expect(reason(#"{"a":1,"\u0061":2}"#) == .duplicateKey("a"))
    // Past the small-object threshold (hash set path).
    let many = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
    #expect(reason("{\(many),\"k7\":0}") == .duplicateKey("k7"))
    #expect(reason("{\(many)}") == nil)
}

@Test func refusesInvalidUTF8() {
    let cases: [[UInt8]] = [
        [0x22, 0xC0, 0xAF, 0x22],             // overlong '/'
        [0x22, 0xE0, 0x80, 0xAF, 0x22],       // overlong 3-byte
        [0x22, 0xED, 0xA0, 0x80, 0x22],       // encoded surrogate U+D800
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], // > U+10FFFF
        [0x22, 0xFF, 0x22],
        [0x22, 0x80, 0x22],                   // lone continuation
        [0x22, 0xE2, 0x82, 0x22],             // truncated sequence
        [0x22, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xC3, 0x22], // after the 8-byte fast path
    ]
    for c in cases { #expect(reasonBytes(c) == .invalidUTF8, "\(c)") }
    #expect((try? parseBytes([0x22, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0x22])) == .string("\u{20AC}\u{1F600}"))
}

@Test func refusesLoneSurrogates() {
    #expect(reason(#""\ud800""#) == .loneSurrogate)
    #expect(reason(#""\ud800x""#) == .loneSurrogate)
    #expect(reason(#""\udc00""#) == .loneSurrogate)
    #expect(reason(#""\ud800\u0041""#) == .loneSurrogate)
    #expect(reason(#""\ud800\ud800""#) == .loneSurrogate)
}

@Test func refusesBadNumbersAndLiterals() {
    for s in ["01", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "-Infinity", "1.e3", "--1", "tru", "nul", "True"] {
        #expect(reason(s) != nil, "\(s)")
    }
    for s in ["0", "-0", "10", "1.5", "1e5", "1E-5", "-0.0e0"] { #expect(reason(s) == nil, "\(s)") }
}

@Test func refusesStructuralErrors() {
    #expect(reason("") == .unexpectedEnd)
    #expect(reason("   ") == .unexpectedEnd)
    #expect(reason("{") == .unexpectedEnd)
    #expect(reason(#"{"a":1,}"#) == .unexpectedByte(UInt8(ascii: "}")))
    #expect(reason("[1,]") == .unexpectedByte(UInt8(ascii: "]")))
    #expect(reason("[1 2]") == .unexpectedByte(UInt8(ascii: "2")))
    #expect(reason(#"{"a" 1}"#) == .unexpectedByte(UInt8(ascii: "1")))
    #expect(reason(#"{a:1}"#) == .unexpectedByte(UInt8(ascii: "a")))
    #expect(reason("{} {}") == .trailingData)
    #expect(reason("1 x") == .trailingData)
    #expect(reason("\"a\tb\"") == .controlCharacterInString)
    #expect(reason("\"a\u{0}b\"") == .controlCharacterInString)
    #expect(reason(#""\x""#) == .invalidEscape)
    #expect(reason(#""\u12g4""#) == .invalidEscape)
    #expect(reason("'a'") == .unexpectedByte(UInt8(ascii: "'")))
    #expect(reasonBytes([0xEF, 0xBB, 0xBF, 0x7B, 0x7D]) == .byteOrderMark)
    #expect(reason("{\"a\":1}\u{0B}") == .trailingData) // vertical tab is not JSON whitespace
}

@Test func errorsCarryOffset() {
    do { _ = try parse(#"{"a":1, "b": tru}"#); Issue.record("parsed") } catch {
        #expect(error.offset == 16) // the "}" where "e" was due
        #expect(error.description.contains("at byte 16"))
    }
}

@Test func depthLimitIsEnforcedWithoutCrashing() {
    let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
    #expect(reason(ok) == nil)
    let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
    #expect(reason(deep) == .tooDeep(512))
    // An attacker sends a million brackets hoping to overflow the stack.
    let huge = String(repeating: "[{\"a\":", count: 100_000)
    #expect(reason(huge) == .tooDeep(512))
}

@Test func topLevelMaterialisesOnlyWhatIsAsked() throws {
    let text = Array(#"{"jsonrpc":"2.0","result":{"big":"xxxxxxxx","n":[1,2]},"id":7}"#.utf8)
    let top = try JSONParser.parseTopLevel(text) { $0 != "result" }
    guard case .object(let members) = top else { Issue.record("not object"); return }
    #expect(members.map(\.key) == ["jsonrpc", "result", "id"])
    #expect(members[0].value == .string("2.0"))
    #expect(members[1].value == nil)
    #expect(String(decoding: text[members[1].range], as: UTF8.self) == #"{"big":"xxxxxxxx","n":[1,2]}"#)
    #expect(members[2].value == .number("7"))
    // Skipped members are still validated strictly.
    let dup = Array(#"{"id":1,"result":{"a":1,"a":2}}"#.utf8)
    #expect(throws: JSONParseError.self) { _ = try JSONParser.parseTopLevel(dup) { _ in false } }
    #expect(try JSONParser.parseTopLevel(Array("[1]".utf8)) { _ in true }.isArray)
}

extension JSONTopLevel { var isArray: Bool { if case .array = self { return true }; return false } }

@Test func peekFindsIdInBrokenOrTruncatedInput() {
    func peek(_ s: String) -> String? {
        let b = Array(s.utf8)
        return b.withUnsafeBytes { JSONParser.peekMember("id", in: $0) }.map { String(decoding: b[$0.text], as: UTF8.self) }
    }
    #expect(peek(#"{"jsonrpc":"2.0","id":"a\"b","params":{"x":"trunc"#) == #""a\"b""#)
    #expect(peek(#"{"jsonrpc":"2.0","id":42,"params":{"x":1,"x":2}}"#) == "42")
    #expect(peek(#"{"jsonrpc":"2.0","params":{"x":"trunc"#) == nil)
    #expect(peek(#"{"id":1,"id":2}"#) == nil)
    #expect(peek(#"[{"id":1}]"#) == nil)
}

@Test func serializerRoundTrips() throws {
    let text = #"{"b":1.50,"a":["x\"y\\z\n\u0001",true,null,-0e5],"é":{}}"#
    let v = try parse(text)
    let out = JSONSerializer.string(v)
    #expect(out == #"{"b":1.50,"a":["x\"y\\z\n\u0001",true,null,-0e5],"é":{}}"#)
    #expect(try parse(out) == v)
}

@Test func fastPathHandlesLongStrings() throws {
    let body = String(repeating: "abcdefgh", count: 1000) + "é" + String(repeating: "z", count: 13)
    #expect(try parse("\"\(body)\"") == .string(body))
    #expect(reason("\"\(body)") == .unexpectedEnd)
    // Special bytes at every position within an 8-byte block.
    for i in 0..<16 {
        let s = String(repeating: "a", count: i) + "\\\"" + String(repeating: "b", count: 16 - i)
        #expect(try parse("\"\(s)\"") == .string(String(repeating: "a", count: i) + "\"" + String(repeating: "b", count: 16 - i)))
        let ctl = String(repeating: "a", count: i) + "\u{1F}" + "bbbbbbbbb"
        #expect(reason("\"\(ctl)\"") == .controlCharacterInString)
    }
}

@Test func duplicateChecksAreScopedPerObject() {
    // The same key in sibling and nested objects is fine; only a repeat within one object is refused.
    #expect(reason(#"{"a":{"a":1},"b":{"a":2,"b":3},"c":[{"a":1},{"a":2}],"d":1}"#) == nil)
    #expect(reason(#"{"a":{"b":1},"b":{"b":2,"b":3}}"#) == .duplicateKey("b"))
    #expect(reason(#"{"a":{"x":{"y":1}},"a":2}"#) == .duplicateKey("a"))
    #expect(reason(#"{"é":1,"\u00e9":2}"#) == .duplicateKey("é"))
    #expect(reason(#"{"a\"b":1,"a\u0022b":2}"#) == .duplicateKey("a\"b"))
    #expect(reason(#"{"ab":1,"a":2,"b":3,"":4}"#) == nil)
}

@Test func hugeObjectsStayLinear() {
    // An attacker sends 100k keys hoping for a quadratic duplicate check.
    let keys = (0..<100_000).map { "\"key\($0)\":0" }.joined(separator: ",")
    #expect(reason("{\(keys)}") == nil)
    #expect(reason("{\(keys),\"key99999\":1}") == .duplicateKey("key99999"))
}

@Test func everyByteKindIsSeenAtEveryOffsetOfTheVectorLoop() throws {
    // The string scan steps 16 and 8 bytes at a time: a special byte must be caught wherever it falls
    // relative to those blocks, in values and in keys.
    for len in 0..<40 {
        for i in 0...len {
            func str(_ mid: [UInt8]) -> [UInt8] {
                [0x22] + [UInt8](repeating: 0x61, count: i) + mid + [UInt8](repeating: 0x62, count: len - i) + [0x22]
            }
            let plain = String(repeating: "a", count: i) + "%" + String(repeating: "b", count: len - i)
            #expect(reasonBytes(str([0x01])) == .controlCharacterInString, "len \(len) at \(i)")
            #expect(reasonBytes(str([0x1F])) == .controlCharacterInString, "len \(len) at \(i)")
            #expect(reasonBytes(str([0xC0, 0xAF])) == .invalidUTF8, "len \(len) at \(i)")
            #expect(reasonBytes(str([0xE2, 0x82])) == .invalidUTF8, "len \(len) at \(i)")
            #expect(reasonBytes(str([0x22])) == .trailingData, "len \(len) at \(i)")
            #expect(try parseBytes(str([0x7F])) == .string(plain.replacingOccurrences("%", "\u{7F}")), "len \(len) at \(i)")
            #expect(try parseBytes(str([0x20])) == .string(plain.replacingOccurrences("%", " ")), "len \(len) at \(i)")
            #expect(try parseBytes(str([0x5C, 0x6E])) == .string(plain.replacingOccurrences("%", "\n")), "len \(len) at \(i)")
            #expect(try parseBytes(str([0xC3, 0xA9])) == .string(plain.replacingOccurrences("%", "\u{E9}")), "len \(len) at \(i)")
            // The same in a key, and its escaped spelling collides with the plain one.
            let key = str([0xC3, 0xA9])
            #expect(try parseBytes([0x7B] + key + Array(":1}".utf8))["\(plain.replacingOccurrences("%", "\u{E9}"))"] == .number("1"))
            #expect(reasonBytes([0x7B] + key + Array(":1,".utf8) + str(Array("\\u00e9".utf8)) + Array(":2}".utf8))
                    == .duplicateKey(plain.replacingOccurrences("%", "\u{E9}")), "len \(len) at \(i)")
            #expect(reasonBytes([0x7B] + str([0x01]) + Array(":1}".utf8)) == .controlCharacterInString, "len \(len) at \(i)")
        }
    }
}

private extension String {
    func replacingOccurrences(_ a: Character, _ b: String) -> String {
        String(flatMap { $0 == a ? Array(b) : [$0] })
    }
}

@Test func scanTopLevelGivesDecodedKeysAndBuildsOnlyWhatIsAsked() throws {
    let text = Array(#"{"jsonrpc":"2.0","re\u0073ult":{"big":"xxxxxxxxxxxxxxxxxxxxxxxxxx","n":[1,2]},"id":7}"#.utf8)
    var seen: [(String, JSONValue?, String)] = []
    let kind = try text.withUnsafeBytes { raw throws(JSONParseError) -> JSONTopLevelKind in
        try JSONParser.scanTopLevel(raw, build: { String(decoding: $0, as: UTF8.self) != "result" }) { k, v, range, _ in
            seen.append((String(decoding: k, as: UTF8.self), v, String(decoding: raw[range], as: UTF8.self)))
        }
    }
    #expect(kind == .object)
    #expect(seen.map(\.0) == ["jsonrpc", "result", "id"])
    #expect(seen[0].1 == .string("2.0") && seen[1].1 == nil && seen[2].1 == .number("7"))
    #expect(seen[1].2 == #"{"big":"xxxxxxxxxxxxxxxxxxxxxxxxxx","n":[1,2]}"#)
    // Unbuilt members are still validated strictly, and arrays and scalars are told apart.
    let bad = Array(#"{"id":1,"result":{"a":1,"\u0061":2}}"#.utf8)
    #expect(throws: JSONParseError.self) {
        _ = try bad.withUnsafeBytes { raw throws(JSONParseError) in try JSONParser.scanTopLevel(raw, build: { _ in false }) { _, _, _, _ in } }
    }
    for (s, want) in [("[1,{}]", JSONTopLevelKind.array), (" 3 ", .scalar), ("{}", .object)] {
        let b = Array(s.utf8)
        #expect(try b.withUnsafeBytes { raw throws(JSONParseError) in try JSONParser.scanTopLevel(raw, build: { _ in true }) { _, _, _, _ in } } == want)
    }
}

@Test func escapedKeysCollideInLargeObjectsToo() {
    // Past 32 keys the duplicate check switches to a hash set; escaped spellings must still collide there.
    let many = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
    #expect(reason("{\(many),\"\\u006b7\":0}") == .duplicateKey("k7"))
    #expect(reason("{\"\\u006b7\":0,\(many)}") == .duplicateKey("k7"))
    // Nested objects with escaped keys unwind their keys correctly: siblings may reuse them.
    #expect(reason(#"{"a":{"\u0062":1},"c":{"b":2,"\u0064":{"b":3}},"\u0062":4}"#) == nil)
}

@Test func keyStackGrowsPastItsInlineStorage() throws {
    // The first keys of the duplicate-check stack live in the caller's stack memory; deeper or wider
    // documents move it to the heap. Keys of every open object must survive the move.
    for depth in [1, 31, 32, 33, 70] {
        var open = "", close = ""
        for d in 0..<depth { open += "{\"k\(d)\":0,\"n\":"; close += "}" }
        let doc = open + "{\"x\":1,\"y\":2}" + close
        #expect(reason(doc) == nil, "depth \(depth)")
        // A repeat of the outermost object's key, after the inner objects pushed the stack past its storage
        // and closed again; and one in the innermost keyed object.
        let outerRepeat = open + "{\"x\":1}" + String(close.dropLast()) + ",\"k0\":1}"
        #expect(reason(outerRepeat) == .duplicateKey("k0"), "depth \(depth)")
        #expect(reason(open + "{\"x\":1},\"k\(depth - 1)\":1" + String(close.dropLast())) == .duplicateKey("k\(depth - 1)"), "depth \(depth)")
        #expect(reason(open + "{\"x\":1,\"x\":2}" + close) == .duplicateKey("x"), "depth \(depth)")
    }
    // One object with more keys than the inline storage, through the envelope-style top-level scan too.
    let wide = "{" + (0..<40).map { "\"w\($0)\":\($0)" }.joined(separator: ",") + "}"
    var seen = 0
    _ = try Array(wide.utf8).withUnsafeBytes { b throws(JSONParseError) in
        try JSONParser.scanTopLevel(b, build: { _ in true }, member: { _, v, _, _ in if v != nil { seen += 1 } })
    }
    #expect(seen == 40)
    #expect(reason(String(wide.dropLast()) + ",\"w39\":0}") == .duplicateKey("w39"))
}

@Test func highBytesAreSeenAtEveryOffsetOfTheVectorLoop() {
    // The vector scan reads bytes as signed to find control and non-ASCII bytes in one comparison: the
    // bytes at both ends of the non-ASCII range must stop it wherever they fall.
    for len in 0..<40 {
        for i in 0...len {
            for b: UInt8 in [0x80, 0xBF, 0xF5, 0xFF, 0x00] {
                let s = [0x22] + [UInt8](repeating: 0x61, count: i) + [b] + [UInt8](repeating: 0x62, count: len - i) + [0x22]
                #expect(reasonBytes(s) == (b == 0 ? .controlCharacterInString : .invalidUTF8), "byte \(b) len \(len) at \(i)")
            }
        }
    }
}
