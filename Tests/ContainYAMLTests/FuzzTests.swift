// Untrusted text (a profile from anywhere, a manifest an agent wrote) must never crash or hang the
// composer, and every refusal must point at a real position. Seeded, so a failure reproduces.

import Testing
@testable import ContainYAML
import ContainTestSupport


private let alphabet: [String] = [
    " ", "  ", "\n", "\t", ":", ": ", "- ", "? ", "[", "]", "{", "}", ",", "#", "&a ", "&b ", "*a", "*b", "!!str ",
    "!x ", "! ", "'", "\"", "\\", "|", ">", "|-", ">+", "---", "...", "%YAML 1.1\n", "%TAG !e! tag:e,2026:\n", "!e!t ",
    "key", "k", "1", "0x1f", "~", "null", "yes", "<<", "é", "🙂", "\u{0}", "\u{1}", "\u{FEFF}", "\r\n", "\r", "\u{85}",
    "\u{2028}", "@", "`", "%",
]

private let seeds = [
    "version: 1\nenvironment:\n  filesystem:\n    read: [/usr, /etc]\n  network: none\nmcp:\n  tools: {allow: [a, b]}\n",
    "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: dev}}\n",
    "a: &x [1, 2, {b: *y}]\nc: *x\nd: |\n  text\n  more\ne: >-\n  folded\n",
    "---\n- 'single ''quoted'''\n- \"double \\u00e9 \\x41\"\n...\n---\n? complex\n: key\n",
]

/// Composes both ways and checks they agree and that any error has a position inside (or just after) the text.
private func check(_ bytes: [UInt8], _ label: @autoclosure () -> String) {
    // An upper bound of libyaml's line count: LF, CR, NEL (C2 85), LS and PS (E2 80 A8/A9) all break lines.
    let lines = bytes.reduce(1) { $0 + ($1 == 0x0A || $1 == 0x0D || $1 == 0x85 || $1 == 0xA8 || $1 == 0xA9 ? 1 : 0) }
    func positioned(_ e: YAMLError) {
        if e.mark.line < 1 || e.mark.column < 1 || e.mark.line > lines + 1 {
            Issue.record("error outside the text (\(e)) for \(label())")
        }
        if e.problem.isEmpty { Issue.record("error without a problem for \(label())") }
    }
    var all: [YAMLNode]?
    do { all = try YAMLComposer.composeAll(bytes: bytes) } catch { positioned(error) }
    do {
        let one = try YAMLComposer.compose(bytes: bytes)
        if let all, all.count > 1 { Issue.record("compose accepted \(all.count) documents: \(label())") }
        if let all, (one == nil) != all.isEmpty { Issue.record("compose and composeAll disagree: \(label())") }
    } catch {
        positioned(error)
        if let all, all.count <= 1 { Issue.record("compose refused what composeAll accepted (\(error)): \(label())") }
    }
    // Walk whatever was composed, under a budget (aliases may make it huge).
    var budget = 10_000
    func walk(_ n: YAMLNode) {
        budget -= 1
        guard budget > 0 else { return }
        _ = n.type(in: .yaml11)
        _ = n.type(in: .core)
        switch n.content {
        case .scalar: return
        case .sequence(let s): s.forEach(walk)
        case .mapping(let p): p.forEach { walk($0.key); walk($0.value) }
        }
    }
    all?.forEach(walk)
}

@Test func randomYamlishTextNeverCrashes() {
    var rng = SeededGenerator(seed: 0x59414D4C)
    for i in 0..<4000 {
        var s = ""
        for _ in 0..<Int.random(in: 0...80, using: &rng) { s += alphabet.randomElement(using: &rng) ?? "" }
        check(Array(s.utf8), "case \(i): \(s.debugDescription)")
    }
}

@Test func randomBytesNeverCrash() {
    var rng = SeededGenerator(seed: 7)
    for i in 0..<2000 {
        let bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        check(bytes, "bytes \(i): \(bytes)")
    }
}

@Test func mutationsOfValidDocumentsNeverCrash() {
    var rng = SeededGenerator(seed: 0xD0C5)
    for i in 0..<4000 {
        var bytes = Array((seeds.randomElement(using: &rng) ?? "").utf8)
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: bytes.remove(at: at)
            case 1: bytes.insert(Array((alphabet.randomElement(using: &rng) ?? "").utf8).first ?? 0x20, at: at)
            case 2: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 3: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 12)], at: at)
            default: bytes.swapAt(at, Int.random(in: 0..<bytes.count, using: &rng))
            }
        }
        check(bytes, "mutation \(i): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
}
