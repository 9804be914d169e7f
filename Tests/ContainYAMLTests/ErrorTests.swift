// Every kind of error, with the position a user is sent to. libyaml's problem and context texts are kept
// verbatim; the composer's own problems say what was found.

import Testing
@testable import ContainYAML

private func failure(_ text: String) -> YAMLError? {
    do {
        _ = try YAMLComposer.composeAll(text)
        return nil
    } catch {
        return error
    }
}

private func failure(bytes: [UInt8]) -> YAMLError? {
    do {
        _ = try YAMLComposer.composeAll(bytes: bytes)
        return nil
    } catch {
        return error
    }
}

@Test func parserErrorKeepsLibyamlsTextAndContext() throws {
    // The profile fixture bad-syntax.yaml pins this exact text and both positions.
    let e = try #require(failure("version: 1\nenvironment:\n  filesystem:\n    read: [/usr, /etc\n  network: none\n"))
    #expect(e.kind == .parser)
    #expect(e.problem == "did not find expected ',' or ']'")
    #expect(e.mark == m(5, 10))
    #expect(e.context == "while parsing a flow sequence")
    #expect(e.contextMark == m(4, 11))
    #expect(e.description == "5:10: did not find expected ',' or ']' (while parsing a flow sequence at 4:11)")
}

@Test func parserErrorInABlockMapping() throws {
    let e = try #require(failure("a: 1\n- b\n"))
    #expect(e.kind == .parser)
    #expect(e.description == "2:1: did not find expected key (while parsing a block mapping at 1:1)")
}

@Test func scannerErrors() throws {
    let quote = try #require(failure("a: \"open\n"))
    #expect(quote.kind == .scanner)
    #expect(quote.problem == "found unexpected end of stream")
    #expect(quote.context == "while scanning a quoted scalar")
    #expect(quote.contextMark == m(1, 4))
    #expect(quote.mark == m(2, 1))

    let tab = try #require(failure("a:\n\tb: 1\n"))
    #expect(tab.kind == .scanner)
    #expect(tab.problem == "found character that cannot start any token")
    #expect(tab.mark == m(2, 1))

    let colon = try #require(failure("a: b: c\n"))
    #expect(colon.kind == .scanner)
    #expect(colon.problem == "mapping values are not allowed in this context")
    #expect(colon.mark == m(1, 5))
}

@Test func readerErrorsAreTurnedFromByteOffsetsIntoMarks() throws {
    let control = try #require(failure("version: 1\nx: a\u{1}\n"))
    #expect(control.kind == .reader)
    #expect(control.problem == "control characters are not allowed")
    #expect(control.mark == m(2, 5))
    // A NUL inside the text is a control character, not the end of the input.
    let nul = try #require(failure("é: x\u{0}y\n"))
    #expect(nul.kind == .reader)
    #expect(nul.mark == m(1, 5))
}

@Test func invalidUTF8IsAReaderErrorAtTheFirstBadByte() throws {
    let latin1 = try #require(failure(bytes: Array("version: 1\ndescription: caf".utf8) + [0xE9] + Array("\n".utf8)))
    #expect(latin1.kind == .reader)
    #expect(latin1.mark == m(2, 17))
    #expect(latin1.problem.contains("UTF-8"))
    // An overlong encoding of '/', a lone continuation byte, a sequence cut off by the end.
    for bad: [UInt8] in [[0x61, 0x3A, 0x20, 0xC0, 0xAF], [0x61, 0x3A, 0x20, 0x80], [0x61, 0x3A, 0x20, 0xE2, 0x82]] {
        let e = try #require(failure(bytes: bad))
        #expect(e.kind == .reader)
        #expect(e.mark == m(1, 4))
    }
    // Valid bytes compose exactly like the same text.
    #expect(try YAMLComposer.compose(bytes: Array("a: é\n".utf8))?.content != nil)
}

@Test func nestingIsCappedBeforeAnythingDeepIsBuilt() throws {
    let flow = try #require(failure("x: " + String(repeating: "[", count: 20_000)))
    #expect(flow.kind == .tooDeep(limit: 1000))
    #expect(flow.problem.contains("nesting"))
    #expect(flow.mark == m(1, 1003))
    let block = try #require(failure("x:\n" + (0..<3000).map { String(repeating: " ", count: $0 + 1) + "- \n" }.joined()))
    #expect(block.kind == .tooDeep(limit: 1000))
    #expect(block.mark.line == 1001)
    // The limit is a parameter; 1000 levels themselves are fine.
    #expect(throws: Never.self) { try YAMLComposer.compose(String(repeating: "[", count: 999) + String(repeating: "]", count: 999)) }
    #expect(throws: YAMLError.self) { try YAMLComposer.compose("[[[x]]]", maxDepth: 2) }
}

@Test func errorsDescribeThemselves() {
    let e = YAMLError(.duplicateKey("a", first: m(1, 1)), problem: "duplicate key 'a'", mark: m(2, 1),
                      context: "while composing a mapping", contextMark: m(1, 1))
    #expect(e.description == "2:1: duplicate key 'a' (while composing a mapping at 1:1)")
}

@Test func aliasesCannotStackNestingPastTheCap() throws {
    // Each line nests 990 levels around the previous anchor: 220 lines would make a tree ~218,000 levels
    // deep from 430 KiB of text, deep enough to overflow the stack of any recursive walk (or release).
    // The attacker's chain is cut at the alias that would cross the cap.
    let n = 990
    var text = "a0: &a0 " + String(repeating: "[", count: n) + "x" + String(repeating: "]", count: n) + "\n"
    for i in 1..<220 {
        text += "a\(i): &a\(i) " + String(repeating: "[", count: n) + "*a\(i - 1)" + String(repeating: "]", count: n) + "\n"
    }
    let e = try #require(failure(text))
    #expect(e.kind == .tooDeep(limit: 1000))
    #expect(e.mark == m(2, 9 + n))
    #expect(e.problem.contains("alias"))
    // Within the cap an alias is fine: 500 + 499 levels.
    let ok = "a: &a " + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + "\n"
        + "b: " + String(repeating: "[", count: 499) + "*a" + String(repeating: "]", count: 499) + "\n"
    #expect(throws: Never.self) { try YAMLComposer.compose(ok) }
}
