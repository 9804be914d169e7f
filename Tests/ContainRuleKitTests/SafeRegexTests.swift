import Testing
@testable import ContainRuleKit

private func m(_ p: String, _ t: String) -> Bool { (try? SafeRegex(p))?.matches(t) ?? false }

@Test func wholeTextAnchoring() {
    #expect(m("ls", "ls"))
    #expect(!m("ls", "ls -la"))
    #expect(!m("ls", "xls"))
    #expect(m("^[a-z]+$", "abc"))
    // The trailing-newline trick that fools `$` in Python/PCRE must not work here.
    #expect(!m("^[a-z]+$", "abc\n"))
    #expect(!m("[a-z]+", "abc\nrm -rf /"))
    #expect(!m("ls( -l)?", "ls -l\n; rm -rf /"))
    // `.` crosses newlines, so a deny pattern cannot be dodged with a line break.
    #expect(m(".*sudo.*", "echo hi\nsudo rm"))
    #expect(!m("a^b", "ab"))
    #expect(m("(^a|b)c$", "ac"))
}

@Test func regexFeatures() {
    #expect(m("a|b|cd", "cd"))
    #expect(m("(?:ab)+", "ababab"))
    #expect(!m("(?:ab)+", "aba"))
    #expect(m("a{2,3}", "aaa"))
    #expect(!m("a{2,3}", "aaaa"))
    #expect(m("a{2,}", "aaaaa"))
    #expect(m("a{2}", "aa"))
    #expect(m("x{a}", "x{a}"))
    #expect(m("[^/]*\\.txt", "notes.txt"))
    #expect(!m("[^/]*\\.txt", "a/notes.txt"))
    #expect(m("\\d+(\\.\\d+)?", "3.14"))
    #expect(m("[\\w-]+", "my-tool_1"))
    #expect(!m("[\\w-]+", "my tool"))
    #expect(m("\\s*", " \t"))
    #expect(m("[\\W]", "!"))
    #expect(m("é.", "éx"))
    #expect(m("a*?b", "aab"))
    #expect(m("", ""))
    #expect(!m("", "a"))
}

@Test func refusesUnsupportedSyntax() {
    for p in ["(a", "a)", "[a", "*a", "a**", "(?=a)", "(?i)a", "\\1", "\\b", "a\\", "[z-a]", "(a{1000}){1000}"] {
        #expect(throws: SafeRegexError.self, "\(p)") { _ = try SafeRegex(p) }
    }
}

@Test func catastrophicPatternStaysLinear() throws {
    // (a+)+b against "aaaa...c" takes exponential time in a backtracking engine.
    let r = try SafeRegex("(a+)+b")
    #expect(!r.matches(String(repeating: "a", count: 50_000) + "c"))
    let r2 = try SafeRegex("(a|a)*(a|aa)*x")
    #expect(!r2.matches(String(repeating: "a", count: 20_000)))
}
