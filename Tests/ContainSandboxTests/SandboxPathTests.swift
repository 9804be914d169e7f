import Testing
@testable import ContainSandbox

@Suite struct SandboxPathTests {
    @Test func containmentIsByteForByteNotCanonicalEquivalence() {
        // Swift's String == would call these equal; the kernel sees different directories.
        #expect(!SandboxPath.isWithin("/\u{212A}ube/secret", "/Kube"))        // KELVIN SIGN vs K
        #expect(!SandboxPath.isWithin("/work/cafe\u{301}/x", "/work/caf\u{E9}")) // NFD vs NFC
        // A "/" that a combining mark follows still ends the component before it.
        #expect(SandboxPath.isWithin("/work/\u{301}x", "/work"))
        #expect(SandboxPath.isWithin("/work", "/work") && SandboxPath.isWithin("/work/a", "/work"))
        #expect(!SandboxPath.isWithin("/workshop", "/work"))
        #expect(SandboxPath.isWithin("/anything", "/"))
    }

    @Test func splittingIsAtEverySlashByte() {
        #expect(SandboxPath.directory(of: "/a/\u{301}b") == "/a")
        #expect(SandboxPath.basename("/a/\u{301}b") == "\u{301}b")
        #expect(SandboxPath.directory(of: "/a") == "/" && SandboxPath.directory(of: "a") == ".")
        #expect(SandboxPath.depth("/") == 0 && SandboxPath.depth("/a/\u{301}b") == 2 && SandboxPath.depth("/usr/lib") == 2)
        #expect(SandboxPath.join("/", "a") == "/a" && SandboxPath.join("/a", "b") == "/a/b")
    }
}
