import Testing
@testable import ContainRuleKit
@Test func jsonValueLookup() { #expect(JSONValue.object([("a", .bool(true))])["a"] == .bool(true)) }
