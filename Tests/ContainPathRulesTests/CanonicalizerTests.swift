// Canonicalisation against a real tree with real symlinks (Fixture). Each case: what a client sends, and
// the path open(2) would actually reach.

import Foundation
import Testing
import ContainRuleKit
@testable import ContainPathRules

private let fx = Fixture.shared
private func hostContext() -> RuleContext { RuleContext(workingDirectory: fx.work, home: fx.home) }
private func canon(_ raw: String) throws -> String {
    try PathCanonicalizer(context: hostContext()).canonicalize(fx.t(raw))
}

struct CanonCase: Sendable, CustomTestStringConvertible {
    var raw: String
    var expected: String
    var why: String
    init(_ raw: String, _ expected: String, _ why: String) { self.raw = raw; self.expected = expected; self.why = why }
    var testDescription: String { "\(why): \(raw)" }
}

private let primaryCases: [CanonCase] = [
    CanonCase("$T/work/file.txt", "$T/work/file.txt", "plain absolute"),
    CanonCase("$T/work/./file.txt", "$T/work/file.txt", "/./"),
    CanonCase("$T/work//file.txt", "$T/work/file.txt", "//"),
    CanonCase("$T//work///a//b//c.txt", "$T/work/a/b/c.txt", "many //"),
    CanonCase("$T/work/./././a/./b/.", "$T/work/a/b", "runs of /./ and a final /."),
    CanonCase("$T/work/a/b/../../file.txt", "$T/work/file.txt", ".. chain staying inside"),
    CanonCase("$T/work/../work/file.txt", "$T/work/file.txt", "out and back in"),
    CanonCase("$T/work/a/../../outside/secret.txt", "$T/outside/secret.txt", ".. chain climbing out"),
    CanonCase("$T/work/../../../../../../../../etc/passwd", "/etc/passwd", ".. past / stays at /"),
    CanonCase("$T/work/a/b/../../../work-evil/x.txt", "$T/work-evil/x.txt", ".. into a prefix sibling"),
    CanonCase("file.txt", "$T/work/file.txt", "relative name"),
    CanonCase("./a/b/c.txt", "$T/work/a/b/c.txt", "relative ./"),
    CanonCase("a/b/../b/c.txt", "$T/work/a/b/c.txt", "relative with .."),
    CanonCase("../outside/secret.txt", "$T/outside/secret.txt", "relative climbing out"),
    CanonCase("../../../../../../../../etc/shadow", "/etc/shadow", "relative climbing to /"),
    CanonCase("", "$T/work", "empty is the working directory"),
    CanonCase(".", "$T/work", "."),
    CanonCase("..", "$T", ".."),
    CanonCase("~", "$T/home/user", "~ alone"),
    CanonCase("~/notes.txt", "$T/home/user/notes.txt", "~/x"),
    CanonCase("~/", "$T/home/user", "~/"),
    CanonCase("~/../../work/file.txt", "$T/work/file.txt", "~ then .."),
    CanonCase("$T/work/", "$T/work", "trailing slash"),
    CanonCase("$T/work/a/", "$T/work/a", "trailing slash on a subdir"),
    CanonCase("$T/work/a//", "$T/work/a", "trailing //"),
    CanonCase("$T/work/link-to-a/b/c.txt", "$T/work/a/b/c.txt", "relative symlink in the middle"),
    CanonCase("$T/work/link-abs-a/b", "$T/work/a/b", "absolute symlink in the middle"),
    CanonCase("$T/work/link-out/secret.txt", "$T/outside/secret.txt", "symlink pointing out"),
    CanonCase("$T/work/link-out", "$T/outside", "final symlink pointing out"),
    CanonCase("$T/work/link-root/etc/passwd", "/etc/passwd", "symlink to /"),
    CanonCase("$T/work/link-root", "/", "final symlink to /"),
    CanonCase("$T/work/link-root/..", "/", "symlink to / then .."),
    CanonCase("$T/work/link-etc-passwd", "/etc/passwd", "symlink to a file outside"),
    CanonCase("$T/work/dangling-in", "$T/work/newfile.txt", "dangling symlink inside: a write creates the target"),
    CanonCase("$T/work/dangling-out", "$T/outside/created.txt", "dangling symlink out: a write creates the target"),
    CanonCase("$T/work/dangling-rel-out", "$T/outside/new.txt", "dangling relative symlink out"),
    CanonCase("$T/work/dangling-deep", "$T/work/nodir/deeper/x.txt", "dangling symlink into missing dirs"),
    CanonCase("$T/work/chain1/b", "$T/work/a/b", "chain of symlinks"),
    CanonCase("$T/work/up/outside/secret.txt", "$T/outside/secret.txt", "symlink to .."),
    CanonCase("$T/work/a/link-up2/outside", "$T/outside", "symlink to ../.."),
    CanonCase("$T/work/link-to-a/..", "$T/work", "physical .. after a relative symlink"),
    CanonCase("$T/work/link-out/..", "$T", "physical .. after a symlink out"),
    CanonCase("$T/work/deeplink/../..", "$T/work", "physical .. after a deep symlink"),
    CanonCase("$T/work/new-dir/new-file", "$T/work/new-dir/new-file", "not yet existing"),
    CanonCase("$T/work/new-dir/../../outside/x", "$T/outside/x", "missing dir then .. out"),
    CanonCase("$T/work/new/a/../../../etc", "$T/etc", "missing dirs then .. chain"),
    CanonCase("$T/work/file.txt/impossible", "$T/work/file.txt/impossible", "below a regular file"),
    CanonCase("$T/work/a/b/c.txt/..", "$T/work/a/b", "a file then .."),
    CanonCase("/", "/", "/"),
    CanonCase("//", "/", "//"),
    CanonCase("/..", "/", "/.."),
    CanonCase("/../../..", "/", "/../../.."),
    CanonCase("$T/work-evil/x.txt", "$T/work-evil/x.txt", "prefix sibling"),
    CanonCase("$T/work2", "$T/work2", "prefix sibling with a digit"),
    CanonCase("$T/work/e40-0", "$T/work/file.txt", "40 symlinks: the kernel's limit, still resolves"),
    CanonCase("$T/work/c40-0", "$T/work/missing-target.txt", "40 symlinks ending dangling (walker counts like the kernel)"),
    CanonCase("$T/work/link-env", "$T/work/.env", "symlink to a secret"),
    CanonCase("$T/work/hardlink.txt", "$T/work/hardlink.txt", "hard link: same inode, inside name"),
    // The walker (something is missing) going up with "..": verified parent by parent.
    CanonCase("$T/work/a/b/../../newfile.txt", "$T/work/newfile.txt", "walker: .. over existing dirs, then missing"),
    CanonCase("$T/work/link-out/../outside/new.txt", "$T/outside/new.txt", "walker: .. after a symlink, then missing"),
    CanonCase("$T/work/deeplink/../../missing", "$T/work/missing", "walker: physical .. after a deep symlink"),
    CanonCase("$T/work/a/link-up2/work/dangling-out", "$T/outside/created.txt", "walker: symlink to ../.., then a dangling link"),
    CanonCase("$T/work/a/b/../../../../../../../../../../nonexistent", "/nonexistent", "walker: .. stops at /"),
    CanonCase("nodir/../a/b/../b/new.txt", "$T/work/a/b/new.txt", "walker: missing then .. back into existing"),
]

@Test(arguments: primaryCases)
func canonicalisesLikeTheKernel(_ c: CanonCase) throws {
    #expect(try canon(c.raw) == fx.t(c.expected))
}

struct ErrorCase: Sendable, CustomTestStringConvertible {
    var raw: String
    var check: @Sendable (PathCanonicalizationError) -> Bool
    var why: String
    var testDescription: String { why }
}

private let errorCases: [ErrorCase] = [
    ErrorCase(raw: "$T/work/loop1", check: { if case .symlinkLoop = $0 { return true }; return false }, why: "two-link loop"),
    ErrorCase(raw: "$T/work/loop2/x", check: { if case .symlinkLoop = $0 { return true }; return false }, why: "loop in the middle"),
    ErrorCase(raw: "$T/work/selfloop", check: { if case .symlinkLoop = $0 { return true }; return false }, why: "self loop"),
    ErrorCase(raw: "$T/work/selfloop/../file.txt", check: { if case .symlinkLoop = $0 { return true }; return false }, why: "self loop then .."),
    ErrorCase(raw: "$T/work/c41-0", check: { if case .symlinkLoop = $0 { return true }; return false }, why: "41 symlinks (ELOOP)"),
    ErrorCase(raw: "$T/work/a\u{0}/../../etc/passwd", check: { $0 == .containsNUL }, why: "NUL byte"),
    ErrorCase(raw: "\u{0}", check: { $0 == .containsNUL }, why: "only a NUL"),
    ErrorCase(raw: "/" + String(repeating: "a/", count: 2048), check: { if case .tooLong = $0 { return true }; return false }, why: "over PATH_MAX"),
    ErrorCase(raw: String(repeating: "b/", count: 2040), check: { if case .tooLong = $0 { return true }; return false }, why: "relative, over PATH_MAX once anchored"),
    ErrorCase(raw: "~root/.ssh/id_rsa", check: { if case .otherUsersHome = $0 { return true }; return false }, why: "~user"),
    ErrorCase(raw: "/proc/self/root/etc/passwd", check: { if case .magicLink = $0 { return true }; return false }, why: "procfs magic link"),
    ErrorCase(raw: "$T/work/proc-self/etc", check: { if case .magicLink = $0 { return true }; return false }, why: "symlink into a magic link"),
    ErrorCase(raw: "$T/work/bad-utf8", check: { if case .notUTF8 = $0 { return true }; return false }, why: "target not UTF-8"),
    ErrorCase(raw: "file://attacker.example/etc/passwd", check: { if case .badFileURI = $0 { return true }; return false }, why: "remote file URI"),
    ErrorCase(raw: "file:///a%00b", check: { $0 == .containsNUL }, why: "percent-encoded NUL"),
    ErrorCase(raw: "file:///a%zz", check: { if case .badFileURI = $0 { return true }; return false }, why: "bad percent escape"),
    ErrorCase(raw: "file:relative/x", check: { if case .badFileURI = $0 { return true }; return false }, why: "relative file URI"),
]

@Test(arguments: errorCases)
func refusesWhatCannotBeResolved(_ c: ErrorCase) {
    do {
        let paths = try PathCanonicalizer(context: hostContext()).canonicalPaths(fx.t(c.raw))
        Issue.record("expected an error, got \(paths)")
    } catch {
        #expect(c.check(error), "\(error)")
    }
}

@Test func relativePathWithoutAnAbsoluteWorkingDirectoryIsRefused() {
    let ctx = RuleContext(workingDirectory: "relative/cwd", home: fx.home)
    #expect(throws: PathCanonicalizationError.noAnchor("working directory")) {
        try PathCanonicalizer(context: ctx).canonicalize("file.txt")
    }
}

@Test func nfcAndNFDNamesAreDifferentFiles() throws {
    // The directory was created with the NFC name ("caf\u{e9}"). Swift's String == says the NFD spelling is
    // equal; the filesystem says it is another (missing) file, and so must we.
    let nfc = fx.work + "/caf\u{e9}/n.txt"
    let nfd = fx.work + "/cafe\u{301}/n.txt"
    #expect(nfc == nfd) // Swift's canonical equivalence, the trap being avoided
    let c = PathCanonicalizer(context: hostContext())
    let a = try c.resolve(nfc, followFinal: true)
    let b = try c.resolve(nfd, followFinal: true)
    #expect(a.exists)
    #expect(!b.exists)
    #expect(Array(a.path.utf8) == Array(nfc.utf8))
    #expect(Array(b.path.utf8) == Array(nfd.utf8))
    #expect(Array(a.path.utf8) != Array(b.path.utf8))
}

@Test func danglingSymlinkIsReportedAsNotExisting() throws {
    let r = try PathCanonicalizer(context: hostContext()).resolve(fx.t("$T/work/dangling-out"), followFinal: true)
    #expect(r.path == fx.t("$T/outside/created.txt"))
    #expect(!r.exists)
}

@Test func finalSymlinkNotFollowedIsTheLinkItself() throws {
    let r = try PathCanonicalizer(context: hostContext()).resolve(fx.t("$T/work/link-etc-passwd"), followFinal: false)
    #expect(r.path == fx.t("$T/work/link-etc-passwd"))
    #expect(r.finalIsSymlink)
}

@Test func everyReadingIsListed() throws {
    let c = PathCanonicalizer(context: hostContext())
    // Physical resolution stays inside ($T/work/a/b/../.. = $T/work); a server that cleans ".." as a string
    // first reaches $T/outside/secret.txt. Both must be checked.
    let deep = try c.canonicalPaths(fx.t("$T/work/deeplink/../../outside/secret.txt"))
    #expect(deep.contains(fx.t("$T/work/outside/secret.txt")))
    #expect(deep.contains(fx.t("$T/outside/secret.txt")))
    // Final symlink: open() follows it, rename()/unlink() act on the link.
    let link = try c.canonicalPaths(fx.t("$T/work/link-etc-passwd"))
    #expect(link.first == "/etc/passwd")
    #expect(link.contains(fx.t("$T/work/link-etc-passwd")))
    // ~ expanded, and taken literally by servers that do not expand it.
    let tilde = try c.canonicalPaths("~/notes.txt")
    #expect(tilde == [fx.t("$T/home/user/notes.txt"), fx.t("$T/work/~/notes.txt")])
    // A file: URI in a path field, and the same string as a relative name.
    let uri = try c.canonicalPaths("file:///etc/passwd")
    #expect(uri.first == "/etc/passwd")
    #expect(uri.contains(fx.t("$T/work/file:/etc/passwd")))
    // Percent-decoding and localhost authority.
    #expect(try c.canonicalPaths("file://localhost" + fx.t("$T/wor%6B/a")).first == fx.t("$T/work/a"))
    // Nothing special: one reading.
    #expect(try c.canonicalPaths(fx.t("$T/work/file.txt")) == [fx.t("$T/work/file.txt")])
}

@Test func deepTreesResolveThroughTheWalker() throws {
    // 1500 nested directories and a missing file at the bottom, with a ".." on the way: the walker goes
    // down and back up level by level (it holds one descriptor at a time, so depth cannot exhaust the
    // supervisor's descriptors).
    var rel = "work/deep"
    for _ in 0..<1500 { rel += "/d" }
    fx.mkdir(rel)
    #expect(try canon("$T/" + rel + "/../d/missing.txt") == fx.t("$T/" + rel + "/missing.txt"))
    #expect(try canon("$T/" + rel + "/missing/../../../../x") == fx.t("$T/" + String(rel.dropLast(6)) + "/x"))
}

@Test func hardLinkIsTheSameInodeUnderAnInsideName() throws {
    // What the transport wall cannot see: a hard link inside the workspace to an outside file canonicalises
    // to its inside name (it is no symlink). Only the environment wall stops this: in the bind-mount view
    // the outside file is not visible, and link(2) across mounts fails with EXDEV (SandboxViewTests).
    let p = try canon("$T/work/hardlink.txt")
    #expect(p == fx.t("$T/work/hardlink.txt"))
    var a = stat(), b = stat()
    #expect(stat(fx.t("$T/work/hardlink.txt"), &a) == 0 && stat(fx.t("$T/outside/hardlink-target.txt"), &b) == 0)
    #expect(a.st_ino == b.st_ino)
}

#if canImport(Glibc)
import Glibc
#endif
