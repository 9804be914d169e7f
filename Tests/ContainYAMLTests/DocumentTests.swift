// Streams with zero, one or many documents.

import Testing
@testable import ContainYAML

@Test func emptyAndCommentOnlyTextsHaveNoDocument() throws {
    #expect(try YAMLComposer.compose("") == nil)
    #expect(try YAMLComposer.compose("# only a comment\n\n") == nil)
    #expect(try YAMLComposer.composeAll("").isEmpty)
    #expect(try YAMLComposer.compose(bytes: []) == nil)
}

@Test func anExplicitEmptyDocumentIsAnEmptyPlainScalar() throws {
    let root = try #require(try YAMLComposer.compose("---\n"))
    #expect(root.scalar == "")
    #expect(root.type(in: .yaml11) == .null)
}

@Test func composeAllReturnsEveryDocumentInOrder() throws {
    let docs = try YAMLComposer.composeAll("a: 1\n---\n- x\n--- plain\n...\n---\n---\nlast: true\n")
    #expect(docs.count == 5)
    #expect(docs.map(\.mark.line) == [1, 3, 4, 7, 8])
    #expect(docs[2].scalar == "plain")
    #expect(docs[3].scalar == "")
    #expect(pairs(docs[4]).first?.key.scalar == "last")
}

@Test func composeRefusesASecondDocumentAtItsStart() {
    #expect(throws: YAMLError(.moreThanOneDocument, problem: "but found another document", mark: m(2, 1),
                              context: "expected a single document in the stream", contextMark: m(1, 1))) {
        try YAMLComposer.compose("version: 1\n---\nversion: 1\n")
    }
    // Also after an explicit end marker, and with an implicit start.
    #expect(throws: YAMLError.self) { try YAMLComposer.compose("a: 1\n...\nb: 2\n") }
    // A single explicit document is fine, with or without an end marker.
    #expect(throws: Never.self) { try YAMLComposer.compose("---\na: 1\n...\n") }
}

@Test func jsonIsYAML() throws {
    let root = try YAMLComposer.compose(#"{"apiVersion": "v1", "items": [1, "two", null, true], "s": "pr\u006fd"}"#)
    let p = pairs(root)
    #expect(p.map(\.key.scalar) == ["apiVersion", "items", "s"])
    #expect(items(p[1].value).map { $0.type(in: .yaml11) } == [.int, .string, .null, .bool])
    #expect(p[2].value.scalar == "prod")
}
