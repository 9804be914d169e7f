// The consumers bound their walks: a billion-laughs text (tiny, exponential when expanded) is refused by
// the profile loader, the manifest scanner and the helm values reader, quickly and with a reason.

import Testing
@testable import ContainKubeRules
@testable import ContainProfile

private func laughs(levels: Int, prefix: String = "") -> String {
    var text = prefix + "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for i in 1...levels { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
    return text
}

@Test func profileReaderRefusesABillionLaughs() {
    let (tree, diags) = YAMLTreeReader.read(laughs(levels: 9, prefix: "version: 1\n"), file: "/tmp/laughs.yaml")
    #expect(tree == nil)
    #expect(diags.first?.message.contains("expands to more than") == true)
}

@Test func manifestScannerRefusesABillionLaughs() {
    let text = laughs(levels: 9) + "apiVersion: v1\nkind: List\nitems: *a9\n"
    #expect(throws: KubeRefusal.self) { try ManifestScanner.objects(in: text) }
}

@Test func helmValuesRefuseABillionLaughs() {
    #expect(throws: KubeRefusal.self) { try YAMLToJSON.convert(laughs(levels: 9)) }
}

@Test func profileDiagnosticsKeepTheirWording() {
    func first(_ text: String) -> String {
        let (_, d) = YAMLTreeReader.read(text, file: "/p.yaml")
        return d.first.map { "\($0.location.line):\($0.location.column) \($0.message)" } ?? "none"
    }
    #expect(first("version: 1\n---\nversion: 1\n") == "2:1 a profile is a single YAML document; remove the second '---' document")
    #expect(first("a: 1\na: 2\n") == "2:1 duplicate key 'a' in the same mapping (first at line 1:1)")
    #expect(first("a: [b\n") == "2:1 YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence at 1:4)")
    #expect(first("a: *nope\n") == "1:4 YAML: found undefined alias 'nope'")
    #expect(first("a: \u{1}\n") == "1:4 YAML: control characters are not allowed")
    #expect(first("<<: {a: 1}\n") == "1:1 YAML merge keys ('<<') are not supported; use 'extends:' to build on another profile")
}

/// What an attacker's manifest tries so that kubectl (go-yaml, YAML 1.1) and this check read different
/// namespaces: each must be refused.
@Test(arguments: [
    // go-yaml decodes !!binary keys: this key is "namespace".
    "apiVersion: v1\nkind: Pod\nmetadata:\n  !!binary bmFtZXNwYWNl: prod\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: !!binary cHJvZA==\n",
    // YAML 1.1 scalars kubectl would not read as the string we see.
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: 0777\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: y\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: off\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: 1e5\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: 2026-01-02\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: ! prod\n",
])
func manifestsReadTwoWaysAreRefused(_ text: String) {
    #expect(throws: KubeRefusal.self) { try ManifestScanner.objects(in: text) }
}

@Test func quotedOrTaggedStringsAreNamespaces() throws {
    let ns = try ManifestScanner.objects(in: "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: '0777'\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  namespace: !!str y\n")
    #expect(ns.map(\.namespace) == ["0777", "y"])
}

@Test func helmValuesUnderTagsAreRefused() throws {
    #expect(throws: KubeRefusal.self) { try YAMLToJSON.convert("!!binary bmFtZXNwYWNlT3ZlcnJpZGU=: prod\n") }
    #expect(throws: KubeRefusal.self) { try YAMLToJSON.convert("namespaceOverride: !custom prod\n") }
    #expect(try YAMLToJSON.convert("namespaceOverride: ~\nother: 5\n") == .object([("namespaceOverride", .null), ("other", .number("5"))]))
}

@Test func profileReaderRefusesAliasChainsThatNestTooDeep() {
    // Crashed `contain check` with a stack overflow before the composer counted alias levels.
    var text = "version: 1\n"
    for i in 0..<220 {
        text += "a\(i): &a\(i) " + String(repeating: "[", count: 990) + (i == 0 ? "x" : "*a\(i - 1)") + String(repeating: "]", count: 990) + "\n"
    }
    let (tree, diags) = YAMLTreeReader.read(text, file: "/tmp/deep.yaml")
    #expect(tree == nil)
    #expect(diags.map { "\($0.location.line):\($0.location.column)" } == ["3:999"])
    #expect(diags.first?.message.contains("nesting") == true)
}
