import Testing
@testable import ContainLearn
@Test func placeholder() { #expect(ContainLearnInfo.version == 1) }
