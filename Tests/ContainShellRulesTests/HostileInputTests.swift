// Inputs built to hurt the parser: huge, deeply nested, random. It must answer (parse or refuse) every time.

import Testing
import ContainProfile
@testable import ContainShellRules

/// xorshift: deterministic, so a failure reproduces.
private struct Rng {
    var state: UInt64
    mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
    mutating func pick<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] }
}

@Test func randomShellSoupNeverCrashes() {
    let pieces = ["ls", " ", "\t", "\n", ";", "&", "|", "(", ")", "{", "}", "'", "\"", "\\", "$", "`", "<", ">", "#",
                  "=", "*", "?", "[", "]", ",", "..", "$(", "${", "$((", "))", "<<", "EOF", "-", "--x", "~", "!", "é",
                  "$'", "\\x41", "if", "then", "fi", "<(", "2>&1", "&&", "||", "A=1", "rm", "find", "-delete"]
    var rng = Rng(state: 0x9E3779B97F4A7C15)
    var rule = CommandRule(id: "r", tools: ["*"], argument: "command")
    rule.allow = ["ls": CommandSpec(), "find": CommandSpec()]
    rule.shell.substitutions = true; rule.shell.subshells = true; rule.shell.redirections = true
    rule.shell.heredocs = true; rule.shell.expansions = true; rule.shell.assignments = true
    let e = CommandRuleEvaluator(rule: rule)
    var parsed = 0
    for _ in 0..<3000 {
        let n = Int(rng.next() % 24) + 1
        let s = (0..<n).map { _ in rng.pick(pieces) }.joined()
        if case .success = ShellParser.parse(s) { parsed += 1 }
        let outcome = e.check(shell: s)
        // Whatever the soup, a `rm` the parser saw as a command is never allowed.
        if case .success(let script) = ShellParser.parse(s), script.commands.contains(where: { $0.words.first?.text == "rm" }) {
            #expect(!outcome.isAllowed, "\(CommandLineRendering.quote(s))")
        }
    }
    #expect(parsed > 100)
}

@Test func hugeInputsAreAnswered() {
    let many = String(repeating: "ls;", count: 50_000)
    guard case .success(let script) = ShellParser.parse(many) else { Issue.record("refused"); return }
    #expect(script.commands.count == 50_000)
    let e = CommandRuleEvaluator(rule: { var r = CommandRule(id: "r", tools: ["*"], argument: "command"); r.allow = ["ls": CommandSpec()]; return r }())
    #expect(e.check(shell: many).isAllowed)
    #expect(!e.check(shell: many + "rm x").isAllowed)
    let longWord = "echo " + String(repeating: "a", count: 1 << 20)
    #expect((try? ShellParser.parse(longWord).get())?.commands.first?.words.last?.text.utf8.count == 1 << 20)
    let quotes = String(repeating: "'a'", count: 100_000)
    #expect((try? ShellParser.parse(quotes).get()) != nil)
    // The denial text stays short whatever the input.
    if case .denied(let reason, _) = e.check(shell: many + "rm x") { #expect(reason.count < 2000) }
    if case .denied(let reason, _) = e.check(shell: String(repeating: "x", count: 1 << 20) + "'") { #expect(reason.count < 2000) }
}

@Test func deepNestingIsRefusedNotOverflowed() {
    for (open, close) in [("(", ")"), ("$(", ")"), ("{ ", "; }"), ("<(", ")"), ("\"$(", ")\"")] {
        let s = String(repeating: open, count: 10_000) + "ls" + String(repeating: close, count: 10_000)
        guard case .failure(let e) = ShellParser.parse(s) else { Issue.record("accepted \(open)"); continue }
        #expect(e.reason.contains("nesting too deep") || e.reason.contains("arithmetic"), "\(open): \(e.reason)")
    }
    // Backquotes double their backslashes per level, so depth is bounded by size long before the limit; a
    // dozen levels still parse.
    let backticks = (0..<12).reduce("ls") { inner, _ in "echo `" + inner.replacing("\\", with: "\\\\").replacing("`", with: "\\`") + "`" }
    guard case .success(let script) = ShellParser.parse(backticks) else { Issue.record("12 levels refused"); return }
    #expect(script.commands.last?.argv == ["ls"])
}
