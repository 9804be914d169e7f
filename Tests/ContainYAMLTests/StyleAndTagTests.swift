// Scalar styles and explicit tags survive composition: they decide what a scalar means.

import Testing
@testable import ContainYAML

private func values(_ text: String) throws -> [YAMLNode] {
    items(try YAMLComposer.compose(text))
}

@Test func everyScalarStyleIsKept() throws {
    let v = try values("- plain\n- 'single'\n- \"double\"\n- |\n  literal\n- >\n  folded\n")
    guard v.count == 5 else { Issue.record("got \(v.count) items"); return }
    var styles: [YAMLScalarStyle] = []
    for n in v { if case .scalar(_, let s) = n.content { styles.append(s) } }
    #expect(styles == [.plain, .singleQuoted, .doubleQuoted, .literal, .folded])
    #expect(v.map(\.scalar) == ["plain", "single", "double", "literal\n", "folded\n"])
    #expect(v.map(\.isPlainUntagged) == [true, false, false, false, false])
}

@Test func quotedLookalikesAreStrings() throws {
    let v = try values("[1, '1', \"true\", true, ~, '~', '', \"\"]")
    #expect(v.map { $0.type(in: .core) } == [.int, .string, .string, .bool, .null, .string, .string, .string])
    #expect(v.map { $0.type(in: .yaml11) } == [.int, .string, .string, .bool, .null, .string, .string, .string])
}

@Test func explicitTagsAreExpandedAndDecideTheType() throws {
    let v = try values("[!!str 1, !!int '7', !!null '', !local x, ! bare, !!binary aGk=, !!map {}, !!str [a]]")
    #expect(v.map(\.tag) == ["tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:null", "!local", "!",
                             "tag:yaml.org,2002:binary", "tag:yaml.org,2002:map", "tag:yaml.org,2002:str"])
    #expect(v.map { $0.type(in: .yaml11) } == [.string, .int, .null, .tagged("!local"), .tagged("!"),
                                               .tagged("tag:yaml.org,2002:binary"), .mapping, .tagged("tag:yaml.org,2002:str")])
    #expect(v[0].isPlainUntagged == false)
}

@Test func tagDirectivesAreExpandedByLibyaml() throws {
    let root = try YAMLComposer.compose("%TAG !e! tag:example.com,2026:\n---\n- !e!widget w\n")
    #expect(items(root).first?.tag == "tag:example.com,2026:widget")
}

@Test func untaggedCollectionsHaveTheirOwnTypes() throws {
    let root = try YAMLComposer.compose("a: [x]\nb: {c: d}\n")
    #expect(root?.tag == nil)
    #expect(root?.type(in: .core) == .mapping)
    #expect(pairs(root).map { $0.value.type(in: .core) } == [.sequence, .mapping])
}
