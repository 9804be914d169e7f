import Testing
@testable import ContainSandbox
@Test func sandboxVersion() { #expect(ContainSandboxInfo.version == 1) }
