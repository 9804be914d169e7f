import ContainProfile
import Testing

private func tagErrors(_ yaml: String) -> [String] {
    let vars = ProfileVariables(workspace: "/work", home: "/home/u", environment: [:])
    return ProfileLoader(variables: vars).check(yaml: yaml, file: "/tmp/p.yaml")
        .filter { $0.severity == .error }.map(\.description)
}

@Test func tagsTheLoaderWouldNotActOnAreRefusedWithTheirPlace() {
    // The author means something by a tag; contain would read the bare text. Refused, not guessed at.
    let cases: [(String, String)] = [
        ("version: 1\nenvironment:\n  network: !secret none\n", "'!secret'"),
        ("version: 1\nenvironment:\n  limits:\n    nofile: !!int \"64\"\n", "'!!int'"),
        ("version: 1\nenvironment:\n  filesystem:\n    read: !!seq /usr\n", "'!!seq'"),
        ("version: 1\nenvironment: !!seq\n  network: none\n", "'!!seq'"),
    ]
    for (yaml, tag) in cases {
        let e = tagErrors(yaml)
        #expect(e.contains { $0.contains("YAML tag \(tag) is not supported") && $0.hasPrefix("/tmp/p.yaml:") }, "\(yaml) -> \(e)")
    }
}

@Test func strSeqAndMapTagsOnTheirOwnKindStillLoad() {
    let yaml = "version: !!str 1\nenvironment: !!map\n  network: none\n  filesystem:\n    read: !!seq [/usr]\n"
    #expect(!tagErrors(yaml).contains { $0.contains("YAML tag") }, "\(tagErrors(yaml))")
}
