// Allow/deny globs over canonical paths: component boundaries, **, deny wins, bytes not Unicode equivalence.

import Testing
@testable import ContainPathRules

private let secrets = ["**/.env", "**/.git/config", "**/*.pem", "**/id_*"]
private let workspace = PathMatcher(allow: ["/work/**"], deny: secrets, resolvePrefixes: false)

struct MatchCase: Sendable, CustomTestStringConvertible {
    var path: String
    var expected: PathMatcher.Outcome
    init(_ path: String, _ expected: PathMatcher.Outcome) { self.path = path; self.expected = expected }
    var testDescription: String { path.debugDescription }
}

private let workspaceCases: [MatchCase] = [
    MatchCase("/work", .allowed),
    MatchCase("/work/a", .allowed),
    MatchCase("/work/a/b/c/d.txt", .allowed),
    MatchCase("/work-evil", .outsideAllowList),
    MatchCase("/work-evil/x", .outsideAllowList),
    MatchCase("/workx", .outsideAllowList),
    MatchCase("/work.bak/x", .outsideAllowList),
    MatchCase("/wor", .outsideAllowList),
    MatchCase("/", .outsideAllowList),
    MatchCase("/etc/passwd", .outsideAllowList),
    MatchCase("/other/work/x", .outsideAllowList),
    MatchCase("/work/.env", .denied(glob: "**/.env")),
    MatchCase("/work/a/b/.env", .denied(glob: "**/.env")),
    MatchCase("/work/.env.example", .allowed),
    MatchCase("/work/x.env", .allowed),
    MatchCase("/work/.envrc", .allowed),
    MatchCase("/work/.env/inside", .allowed),
    MatchCase("/work/.git/config", .denied(glob: "**/.git/config")),
    MatchCase("/work/sub/repo/.git/config", .denied(glob: "**/.git/config")),
    MatchCase("/work/.git/config.bak", .allowed),
    MatchCase("/work/.git/configs/x", .allowed),
    MatchCase("/work/.git/HEAD", .allowed),
    MatchCase("/work/git/config", .allowed),
    MatchCase("/work/key.pem", .denied(glob: "**/*.pem")),
    MatchCase("/work/a/b/server.pem", .denied(glob: "**/*.pem")),
    MatchCase("/work/.pem", .denied(glob: "**/*.pem")),
    MatchCase("/work/pem", .allowed),
    MatchCase("/work/key.pem.txt", .allowed),
    MatchCase("/work/.ssh/id_rsa", .denied(glob: "**/id_*")),
    MatchCase("/work/id_ed25519.pub", .denied(glob: "**/id_*")),
    MatchCase("/work/my_id_rsa", .allowed),
    MatchCase("/work/ids", .allowed),
    MatchCase("/other/.env", .denied(glob: "**/.env")),
    // A grapheme cluster swallowing "/" would merge components for the Character-based splitter.
    MatchCase("/work/secret/\u{301}x", .unmatchable),
    MatchCase("/work/a\u{600}/b", .unmatchable),
    MatchCase("/\u{301}work/x", .unmatchable),
    // Look-alikes are other names.
    MatchCase("/wor\u{6B}/x", .allowed),
    MatchCase("/wor\u{212A}/x", .outsideAllowList), // KELVIN SIGN, not "k"
    MatchCase("/work/.\u{200B}env", .allowed),       // zero-width space: another file than .env
    MatchCase("/work/.ENV", .allowed),               // case-sensitive filesystems: another file
]

@Test(arguments: workspaceCases)
func workspaceRule(_ c: MatchCase) {
    #expect(workspace.match(c.path) == c.expected)
}

@Test func nfdPathDoesNotMatchAnNFCGlob() {
    let m = PathMatcher(allow: ["/data/caf\u{e9}/**"], deny: [], resolvePrefixes: false)
    #expect(m.match("/data/caf\u{e9}/x") == .allowed)
    #expect(m.match("/data/cafe\u{301}/x") == .outsideAllowList)
}

@Test func nfdDenyGlobDoesNotHideTheNFCFile() {
    // The deny glob names the NFD spelling; the NFC file is a different file and is not covered by it.
    // (A profile must name secrets in the bytes they are stored with.)
    let m = PathMatcher(allow: ["/w/**"], deny: ["/w/cafe\u{301}"], resolvePrefixes: false)
    #expect(m.match("/w/cafe\u{301}") == .denied(glob: "/w/cafe\u{301}"))
    #expect(m.match("/w/caf\u{e9}") == .allowed)
}

private let globCases: [(String, String, Bool)] = [
    ("/work/*.txt", "/work/a.txt", true),
    ("/work/*.txt", "/work/a/b.txt", false),
    ("/work/*", "/work/a", true),
    ("/work/*", "/work/a/b", false),
    ("/work/*", "/work", false),
    ("/data/**/logs/*.log", "/data/logs/x.log", true),
    ("/data/**/logs/*.log", "/data/a/b/logs/x.log", true),
    ("/data/**/logs/*.log", "/data/a/logs/sub/x.log", false),
    ("/data/**", "/data", true),
    ("/data/**", "/database", false),
    ("/d?ta/**", "/data/x", true),
    ("/d?ta/**", "/d/ta/x", false),
    ("/[a-c]at/**", "/bat/x", true),
    ("/[a-c]at/**", "/rat/x", false),
    ("/**", "/anything/at/all", true),
    ("/**", "/", true),
]

@Test(arguments: globCases)
func globComponentBoundaries(_ c: (String, String, Bool)) {
    let m = PathMatcher(allow: [c.0], deny: [], resolvePrefixes: false)
    #expect((m.match(c.1) == .allowed) == c.2)
}

@Test func emptyAllowListAllowsNothing() {
    let m = PathMatcher(allow: [], deny: [], resolvePrefixes: false)
    #expect(m.match("/work/x") == .outsideAllowList)
    #expect(m.match("/") == .outsideAllowList)
}

@Test func denyWinsOverAllowEverything() {
    let m = PathMatcher(allow: ["/**"], deny: secrets, resolvePrefixes: false)
    #expect(m.match("/etc/passwd") == .allowed)
    #expect(m.match("/home/u/.env") == .denied(glob: "**/.env"))
}

@Test func globPrefixReachedThroughASymlinkMatchesItsPhysicalPath() {
    // $T/linkws -> $T/realws: canonical paths are physical, the profile may name the symlink.
    let fx = Fixture.shared
    let m = PathMatcher(allow: [fx.t("$T/linkws/**")], deny: [fx.t("$T/linkws/secret/**")])
    #expect(m.match(fx.t("$T/realws/f.txt")) == .allowed)
    #expect(m.match(fx.t("$T/linkws/f.txt")) == .allowed)
    #expect(m.match(fx.t("$T/realws/secret/k.txt")) == .denied(glob: fx.t("$T/linkws/secret/**")))
    #expect(m.match(fx.t("$T/realws-evil/f.txt")) == .outsideAllowList)
    #expect(m.match(fx.t("$T/outside/secret.txt")) == .outsideAllowList)
}
