// Aliases are resolved to the anchored node; anchors are per document; an alias to something not (yet)
// anchored is an error with the alias's position. Sharing keeps a billion-laughs text cheap to compose;
// walking it is the consumers' job, under a node budget (ConsumerBudgetTests).

import Testing
@testable import ContainYAML

@Test func aliasesResolveToTheAnchoredNode() throws {
    let root = try YAMLComposer.compose("base: &b {a: 1}\nuse: *b\nname: &n x\nagain: *n\n")
    let p = pairs(root)
    #expect(pairs(p[1].value).map(\.key.scalar) == ["a"])
    // The copy keeps the anchored node's position (where its text is).
    #expect(p[1].value.mark == m(1, 7))
    #expect(p[3].value.scalar == "x")
    #expect(p[3].value.mark == m(3, 7))
}

@Test func laterAnchorsOfTheSameNameWin() throws {
    let root = try YAMLComposer.compose("- &a one\n- *a\n- &a two\n- *a\n")
    #expect(items(root).map(\.scalar) == ["one", "one", "two", "two"])
}

@Test func undefinedAliasIsAnErrorAtTheAlias() {
    #expect(throws: YAMLError(.undefinedAlias("nope"), problem: "found undefined alias 'nope'", mark: m(2, 6))) {
        try YAMLComposer.compose("a: 1\nb: [ *nope ]\n")
    }
}

@Test func anAliasCannotReferToItsOwnUnfinishedCollection() {
    // A cycle would make the tree infinite; the anchor only exists once its node is complete.
    #expect(throws: YAMLError.self) { try YAMLComposer.compose("a: &a [1, *a]\n") }
    #expect(throws: YAMLError.self) { try YAMLComposer.compose("&m {k: *m}\n") }
}

@Test func anchorsDoNotCrossDocuments() throws {
    #expect(throws: YAMLError(.undefinedAlias("x"), problem: "found undefined alias 'x'", mark: m(3, 4))) {
        try YAMLComposer.composeAll("a: &x 1\n---\nb: *x\n")
    }
}

@Test func billionLaughsComposesCheaplyAndABudgetedWalkStops() throws {
    var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for i in 1...30 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
    // 10^31 leaves if expanded; composition shares them.
    let root = try #require(try YAMLComposer.compose(text))
    var budget = 100_000
    func walk(_ n: YAMLNode) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch n.content {
        case .scalar: return true
        case .sequence(let s): return s.allSatisfy(walk)
        case .mapping(let p): return p.allSatisfy { walk($0.key) && walk($0.value) }
        }
    }
    #expect(walk(root) == false)
}
