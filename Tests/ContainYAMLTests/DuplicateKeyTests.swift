// A key written twice in one mapping is an error: readers disagree on which value wins (first, last, or
// refuse), and contain must see what the server or kubectl sees. An attacker's manifest tries exactly that.

import Testing
@testable import ContainYAML

@Test func duplicateKeyIsAnErrorAtTheSecondOccurrence() {
    #expect(throws: YAMLError(.duplicateKey("namespace", first: m(2, 3)), problem: "duplicate key 'namespace'", mark: m(3, 3),
                              context: "while composing a mapping", contextMark: m(2, 3))) {
        try YAMLComposer.compose("metadata:\n  namespace: dev\n  namespace: prod\n")
    }
}

@Test func keysCompareByTextWhateverTheirStyle() {
    // `1` and "1" are different YAML nodes, but every consumer here reads both as the field "1".
    #expect(throws: YAMLError.self) { try YAMLComposer.compose("1: a\n\"1\": b\n") }
    #expect(throws: YAMLError.self) { try YAMLComposer.compose("{'kind': a, kind: b}") }
    #expect(throws: YAMLError.self) { try YAMLComposer.compose("{\"k\\u0061\": 1, ka: 2}") }
    // An alias to a scalar is that scalar as a key too.
    #expect(throws: YAMLError.self) { try YAMLComposer.compose("- &k kind\n- {*k : a, kind: b}\n") }
}

@Test func bigMappingsAreCheckedToo() throws {
    // Past the linear-scan size the check switches to a dictionary; both halves must catch the repeat.
    let keys = (0..<100).map { "k\($0): \($0)\n" }.joined()
    #expect(try YAMLComposer.compose(keys).map { pairs($0).count } == 100)
    for repeated in ["k0", "k15", "k16", "k99"] {
        #expect(throws: YAMLError.self, "\(repeated)") { try YAMLComposer.compose(keys + "\(repeated): again\n") }
    }
}

@Test func theSameKeyInDifferentMappingsIsFine() throws {
    let root = try YAMLComposer.compose("a: {name: x}\nb: {name: y}\nc: [{name: 1}, {name: 2}]\n")
    #expect(pairs(root).count == 3)
}

@Test func collectionKeysAreNotComparedByText() throws {
    // Complex keys have no text; consumers refuse them on their own terms.
    let root = try YAMLComposer.compose("? [a]\n: 1\n? [a]\n: 2\n")
    #expect(pairs(root).count == 2)
}
