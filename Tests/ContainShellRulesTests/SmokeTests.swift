import Testing
@testable import ContainShellRules
@Test func placeholder() { #expect(ContainShellRulesInfo.version == 1) }
