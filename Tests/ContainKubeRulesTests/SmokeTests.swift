import Testing
@testable import ContainKubeRules
@Test func placeholder() { #expect(ContainKubeRulesInfo.version == 1) }
