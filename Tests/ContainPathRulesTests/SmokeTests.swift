import Testing
@testable import ContainPathRules
@Test func placeholder() { #expect(ContainPathRulesInfo.version == 1) }
