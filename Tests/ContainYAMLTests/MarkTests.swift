// Every node knows where it was written: 1-based line:column as libyaml's mark + 1.

import Testing
@testable import ContainYAML

@Test func blockMappingMarks() throws {
    let root = try #require(try YAMLComposer.compose("version: 1\nenvironment:\n  read: [/usr, /etc]\n"))
    guard case .mapping(let pairs) = root.content else { Issue.record("not a mapping"); return }
    #expect(root.mark == YAMLMark(line: 1, column: 1))
    #expect(pairs.map(\.key.mark) == [YAMLMark(line: 1, column: 1), YAMLMark(line: 2, column: 1)])
    #expect(pairs[0].value.mark == YAMLMark(line: 1, column: 10))
}
