// Every node knows where it was written: 1-based line:column, libyaml's mark + 1 (columns count Unicode
// scalars). The profile diagnostics print these, and their tests pin them.

import Testing
@testable import ContainYAML

func m(_ line: Int, _ column: Int) -> YAMLMark { YAMLMark(line: line, column: column) }

func pairs(_ node: YAMLNode?) -> [YAMLPair] {
    guard let node, case .mapping(let p) = node.content else { Issue.record("not a mapping: \(String(describing: node))"); return [] }
    return p
}

func items(_ node: YAMLNode?) -> [YAMLNode] {
    guard let node, case .sequence(let i) = node.content else { Issue.record("not a sequence: \(String(describing: node))"); return [] }
    return i
}

@Test func blockMappingMarks() throws {
    let root = try #require(try YAMLComposer.compose("version: 1\nenvironment:\n  read: [/usr, /etc]\n"))
    #expect(root.mark == m(1, 1))
    let p = pairs(root)
    #expect(p.map(\.key.mark) == [m(1, 1), m(2, 1)])
    #expect(p[0].value.mark == m(1, 10))
    let env = pairs(p[1].value)
    #expect(p[1].value.mark == m(3, 3))
    #expect(env[0].key.mark == m(3, 3))
    #expect(env[0].value.mark == m(3, 9))
    #expect(items(env[0].value).map(\.mark) == [m(3, 10), m(3, 16)])
}

@Test func blockSequenceAndFlowMappingMarks() throws {
    let root = try YAMLComposer.compose("list:\n  - a\n  -   {k: v, k2: [x]}\n")
    let seq = items(pairs(root)[0].value)
    #expect(seq.map(\.mark) == [m(2, 5), m(3, 7)])
    let inner = pairs(seq[1])
    #expect(inner.map(\.key.mark) == [m(3, 8), m(3, 14)])
    #expect(inner[1].value.mark == m(3, 18))
}

@Test func columnsCountUnicodeScalarsNotBytes() throws {
    // "é" is two bytes and "🙂" four; each is one column.
    let root = try YAMLComposer.compose("é🙂: [a, b]\n")
    let p = pairs(root)
    #expect(p[0].key.scalar == "é🙂")
    #expect(items(p[0].value).map(\.mark) == [m(1, 6), m(1, 9)])
}

@Test func crlfIsOneLineBreak() throws {
    let root = try YAMLComposer.compose("a: 1\r\nb: 2\r\n\r\nc: 3\r\n")
    #expect(pairs(root).map(\.key.mark) == [m(1, 1), m(2, 1), m(4, 1)])
    #expect(pairs(root).map { $0.value.scalar } == ["1", "2", "3"])
}

@Test func multiLineScalarsStartWhereTheyStart() throws {
    let root = try YAMLComposer.compose("a: |\n  one\n  two\nb: >\n  folded\n  text\nc: \"multi\n  line\"\n")
    let p = pairs(root)
    #expect(p.map(\.value.mark) == [m(1, 4), m(4, 4), m(7, 4)])
    #expect(p.map { $0.value.scalar } == ["one\ntwo\n", "folded text\n", "multi line"])
}

@Test func byteOffsetsBecomeLibyamlMarks() {
    func at(_ text: String, _ offset: Int) -> YAMLMark {
        var t = text
        return t.withUTF8 { TextPosition.mark(ofByteOffset: offset, in: $0) }
    }
    #expect(at("abc", 0) == m(1, 1))
    #expect(at("abc", 2) == m(1, 3))
    #expect(at("a\nbc", 3) == m(2, 2))
    #expect(at("a\r\nb", 3) == m(2, 1))
    #expect(at("a\rb", 2) == m(2, 1))
    #expect(at("é\nxé!", 6) == m(2, 3))
    #expect(at("a\u{85}b\u{2028}c\u{2029}d", 10) == m(4, 1))
    #expect(at("ab", 99) == m(1, 3))
}
