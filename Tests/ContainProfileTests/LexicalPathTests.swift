import ContainProfile
import ContainTestSupport
import Testing

/// The reference: split the bytes at "/", drop empty and "." components, let ".." drop the one before.
private func reference(_ path: String) -> String {
    var parts: [[UInt8]] = []
    for c in Array(path.utf8).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
        if c.elementsEqual(".".utf8) { continue }
        if c.elementsEqual("..".utf8) { _ = parts.popLast(); continue }
        parts.append(Array(c))
    }
    var out: [UInt8] = []
    for p in parts { out.append(UInt8(ascii: "/")); out.append(contentsOf: p) }
    return out.isEmpty ? "/" : String(decoding: out, as: UTF8.self)
}

@Test func normalizeResolvesDotsAndSlashes() {
    let cases: [(String, String)] = [
        ("/", "/"), ("//", "/"), ("/.", "/"), ("/..", "/"), ("/a/../..", "/"), ("/a/./b//c/", "/a/b/c"),
        ("/a/b/../c", "/a/c"), ("/a/...", "/a/..."), ("/a/..b/.c", "/a/..b/.c"), ("a/b", "/a/b"), ("", "/"),
        ("/home/u/.ssh/../.ssh/id_rsa", "/home/u/.ssh/id_rsa"),
    ]
    for (input, want) in cases { #expect(LexicalPath.normalize(input) == want, "\(input)") }
}

@Test func aSlashBeforeACombiningMarkSeparatesComponentsAsTheKernelDoes() {
    // Attack: "/work/..\u{301}" is one Character after the last "/", but to the kernel "..\u{301}" is a
    // plain name and "/\u{301}" ends a component. Both must be read at the bytes.
    #expect(LexicalPath.normalize("/work/..\u{301}/x") == "/work/..\u{301}/x")
    #expect(LexicalPath.normalize("/work/a/\u{301}/../b") == "/work/a/b")
    #expect(LexicalPath.normalize("/secret/\u{301}..") == "/secret/\u{301}..")
    #expect(!LexicalPath.isNormal("/a/\u{301}/../b"))
}

@Test(arguments: [UInt64(1), 2, 3])
func normalizeMatchesTheReferenceOnGeneratedPaths(seed: UInt64) {
    var rng = SeededGenerator(seed: seed)
    let pieces = ["/", "/", "//", ".", "..", "a", "bc", "...", ".x", "é", "\u{301}", "日本", " ", "\\"]
    for _ in 0..<5000 {
        var p = ""
        for _ in 0..<Int.random(in: 0...10, using: &rng) { p += pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
        let n = LexicalPath.normalize(p)
        #expect(n == reference(p), "\(Array(p.utf8))")
        #expect(LexicalPath.isNormal(n), "\(Array(n.utf8))")
        #expect(LexicalPath.normalize(n) == n)
        if LexicalPath.isNormal(p) { #expect(n == p, "\(Array(p.utf8))") }
    }
}
