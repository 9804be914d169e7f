import Testing
@testable import ContainMCP
@Test func placeholder() { #expect(ContainMCPInfo.version == 1) }
