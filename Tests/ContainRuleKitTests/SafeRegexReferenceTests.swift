// The Pike VM against a reference that works on the parsed pattern directly (sets of end positions, no
// compiled program, no work lists), on generated patterns and texts: the flat program, the reused scratch
// lists and the UTF-8 decoding must decide exactly what the pattern means.

import ContainTestSupport
import Testing
@testable import ContainRuleKit

/// End positions reachable by matching `node` from each position in `from` (scalars of `text`).
private func ends(_ node: RegexNode, _ text: [UInt32], _ from: Set<Int>) -> Set<Int> {
    let n = text.count
    switch node {
    case .empty: return from
    case .char(let c): return Set(from.filter { $0 < n && text[$0] == c }.map { $0 + 1 })
    case .any: return Set(from.filter { $0 < n }.map { $0 + 1 })
    case .cls(let ranges, let negated):
        return Set(from.filter { p in p < n && ranges.contains(where: { $0.contains(text[p]) }) != negated }.map { $0 + 1 })
    case .start: return from.filter { $0 == 0 }
    case .end: return from.filter { $0 == n }
    case .cat(let items): return items.reduce(from) { ends($1, text, $0) }
    case .alt(let branches): return branches.reduce(into: Set<Int>()) { $0.formUnion(ends($1, text, from)) }
    case .rep(let body, let minC, let maxC):
        var cur = from
        for _ in 0..<minC { cur = ends(body, text, cur) }
        var all = cur
        if let maxC {
            for _ in minC..<maxC { cur = ends(body, text, cur); all.formUnion(cur) }
        } else {
            while true {
                let more = ends(body, text, all).union(all)
                if more == all { break }
                all = more
            }
        }
        return all
    }
}

private func referenceMatch(_ pattern: String, _ text: String) throws -> Bool {
    var p = RegexParser(chars: Array(pattern.unicodeScalars), pattern: pattern)
    let node = try p.parseAlternation()
    let scalars = text.unicodeScalars.map(\.value)
    return ends(node, scalars, [0]).contains(scalars.count)
}

private func randomPattern(_ g: inout SeededGenerator, depth: Int = 0) -> String {
    let atoms = ["a", "b", "c", ".", "[ab]", "[^a]", "[a-c\\n]", "\\d", "\\w", "\\s", "é", "😀", "\\.", "^", "$"]
    let quantifiers = ["", "", "", "*", "+", "?", "{2}", "{1,3}", "{0,}", "*?"]
    var out = ""
    for _ in 0..<(1 + Int(g.next() % 4)) {
        if depth < 2 && g.next() % 5 == 0 {
            out += (g.next() % 2 == 0 ? "(" : "(?:") + randomPattern(&g, depth: depth + 1) + ")"
        } else {
            out += g.pick(atoms)
        }
        out += g.pick(quantifiers)
    }
    if depth < 2 && g.next() % 4 == 0 { out += "|" + randomPattern(&g, depth: depth + 1) }
    return out
}

private func randomText(_ g: inout SeededGenerator) -> String {
    let pieces = ["a", "b", "c", "1", "\n", " ", ".", "é", "😀", "ß", "_"]
    var s = ""
    for _ in 0..<Int(g.next() % 10) { s += g.pick(pieces) }
    return s
}

@Test func pikeVMAgreesWithTheReferenceOnGeneratedInputs() throws {
    var g = SeededGenerator(seed: 0x5AFE_4E6E)
    var compared = 0
    for _ in 0..<1500 {
        let pattern = randomPattern(&g)
        // Quantified anchors are refused at parse time; the reference only judges patterns that compile.
        guard let re = try? SafeRegex(pattern) else { continue }
        for _ in 0..<12 {
            let text = randomText(&g)
            let want = try referenceMatch(pattern, text)
            #expect(re.matches(text) == want, "pattern \(pattern) text \(text.debugDescription)")
            compared += 1
        }
    }
    // Most generated patterns compile: the comparison is not vacuous.
    #expect(compared > 10_000)
}

@Test func matchesAcrossTheGenerationWrapAround() throws {
    // The scratch stamps each list with a generation; when it wraps, stale stamps must not read as current.
    let re = try SafeRegex("(a|b)*c?(ab)*")
    for text in ["abababab", "ababcabab", "abcab", "aaaaaaaaaaaaaaaaaac", "cc", ""] {
        for start in [UInt32.max, UInt32.max - 1, UInt32.max - 3] {
            let scratch = RegexScratch(instructions: re.program.instructionCount)
            scratch.generation = start
            let got = Array(text.utf8).withUnsafeBufferPointer { re.program.matches($0, using: scratch) }
            #expect(got == (try referenceMatch(re.pattern, text)), "\(text) from generation \(start)")
        }
    }
}

@Test func oneRegexMatchedFromManyTasksAtOnce() async throws {
    // A regex is shared by every call checked under a policy; callers that find its scratch busy must
    // get correct answers from their own.
    let re = try SafeRegex(".*sudo .*")
    let results = await withTaskGroup(of: Bool.self) { group in
        for t in 0..<8 {
            group.addTask {
                for i in 0..<2000 {
                    let text = (i + t) % 2 == 0 ? "echo \(i) && sudo rm -rf /" : "echo \(i) && sud0 rm"
                    if re.matches(text) != ((i + t) % 2 == 0) { return false }
                }
                return true
            }
        }
        var all = true
        for await r in group { all = all && r }
        return all
    }
    #expect(results)
}
