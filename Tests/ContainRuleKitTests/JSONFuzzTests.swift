// Seeded fuzzing of the strict parser: generated documents round-trip; mutated ones either parse (and then
// round-trip through the serializer to the same value) or are refused with an offset inside the input.

import Testing
@testable import ContainRuleKit
import ContainTestSupport


private func randomString(_ rng: inout SeededGenerator) -> String {
    let pool: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\u{01}", "\u{7F}", "é", "\u{2028}", "\u{FFFF}", "\u{1F600}", "\u{10FFFF}"]
    var s = String.UnicodeScalarView()
    for _ in 0..<Int.random(in: 0..<12, using: &rng) { s.append(pool.randomElement(using: &rng) ?? "a") }
    return String(s)
}

private func randomValue(_ rng: inout SeededGenerator, depth: Int) -> JSONValue {
    switch Int.random(in: 0..<(depth > 4 ? 4 : 7), using: &rng) {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .number(["0", "-0", "12", "-3.25", "1e10", "6.02E-23", "123456789012345678901234567890"].randomElement(using: &rng) ?? "0")
    case 3: return .string(randomString(&rng))
    case 4: return .array((0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
    default:
        var keys = Set<String>()
        var members: [(String, JSONValue)] = []
        for _ in 0..<Int.random(in: 0..<4, using: &rng) {
            let k = randomString(&rng)
            if keys.insert(k).inserted { members.append((k, randomValue(&rng, depth: depth + 1))) }
        }
        return .object(members)
    }
}

@Test(arguments: [UInt64(7), 8, 9])
func parserFuzz(seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    for _ in 0..<2000 {
        let v = randomValue(&rng, depth: 0)
        let text = JSONSerializer.serialize(v)
        #expect(try JSONParser.parse(text) == v)
        var m = text
        for _ in 0..<Int.random(in: 1...3, using: &rng) where !m.isEmpty {
            let i = Int.random(in: 0..<m.count, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: m[i] = UInt8.random(in: 0...255, using: &rng)
            case 1: m.insert([0x22, 0x5C, 0x7B, 0x5D, 0x2C, 0xC3, 0xED].randomElement(using: &rng) ?? 0, at: i)
            default: m.remove(at: i)
            }
        }
        // Validation without building (what the wall does to a server's result) decides exactly like parsing:
        // the same refusal at the same offset, or none.
        func outcome(_ build: Bool) -> JSONParseError? {
            m.withUnsafeBytes { b in
                do throws(JSONParseError) {
                    if build { _ = try JSONParser.parse(b) } else { try JSONParser.validate(b) }
                    return nil
                } catch { return error }
            }
        }
        #expect(outcome(false) == outcome(true), "\(m)")
        do {
            let parsed = try JSONParser.parse(m)
            #expect(try JSONParser.parse(JSONSerializer.serialize(parsed)) == parsed)
            // What the strict parser accepts, Swift's own UTF-8 decoding accepts unchanged.
            #expect(Array(String(decoding: m, as: UTF8.self).utf8) == m)
        } catch {
            #expect(error.offset >= 0 && error.offset <= m.count)
        }
    }
}
