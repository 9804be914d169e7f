import Testing
@testable import ContainRuleKit

@Test(arguments: [
    ("/work/**", "/work", true),
    ("/work/**", "/work/a/b", true),
    ("/work/**", "/work-evil/a", false),
    ("/work", "/work-evil", false),
    ("/work/*", "/work/a/b", false),
    ("**/.env", "/work/x/.env", true),
    ("**/.env", "/work/x/.envrc", false),
    ("**/id_*", "/home/u/.ssh/id_rsa", true),
    ("/a/**/b", "/a/b", true),
    ("/a/**/b", "/a/x/y/b", true),
    ("/a/*.pem", "/a/k.pem", true),
    // A combining mark right after "/" forms one Character with it; the split must still see the boundary.
    ("/work/secret/**", "/work/secret/\u{301}x", true),
    ("/work/secret", "/work/secret/\u{301}x", false),
])
func pathGlobs(pattern: String, text: String, expected: Bool) {
    #expect(Glob.match(pattern, text, mode: .path) == expected)
}

@Test(arguments: [
    ("kubectl_*", "kubectl_get", true),
    ("dev", "dev-prod", false),
    ("dev-*", "dev-prod", true),
    ("*", "anything/at/all", true),
    ("f[a-c]o", "fbo", true),
    ("f[!a-c]o", "fbo", false),
])
func nameGlobs(pattern: String, text: String, expected: Bool) {
    #expect(Glob.match(pattern, text) == expected)
}
