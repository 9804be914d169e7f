// The loader meets untrusted text (`contain check` on anything). Whatever it is given, it must answer with
// diagnostics, never crash, and never accept something it reported an error for.

import Foundation
import Testing
@testable import ContainProfile
import ContainTestSupport


/// Loads and checks; the two must agree, and a refusal must say why.
func assertConsistent(_ text: String, _ label: @autoclosure () -> String) {
    let diags = loader.check(yaml: text, file: "/tmp/fuzz.yaml")
    let hasError = diags.contains { $0.severity == .error }
    do {
        _ = try loader.load(yaml: text, file: "/tmp/fuzz.yaml")
        if hasError { Issue.record("loaded although check reported errors: \(label())") }
    } catch {
        if error.errors.isEmpty { Issue.record("refused without an error diagnostic: \(label())") }
        if !hasError { Issue.record("check found no error but load refused: \(label())") }
    }
    for d in diags where d.location.line < 1 || d.location.column < 1 {
        Issue.record("diagnostic without a real position: \(d) for \(label())")
    }
}

let yamlishAlphabet: [String] = [
    " ", "  ", "\n", "\t", ":", ": ", "- ", "[", "]", "{", "}", ",", "#", "&a ", "*a", "!!str ", "'", "\"", "|", ">",
    "---", "...", "?", "%", "@", "`", "\\", "version", "1", "environment", "syscalls", "allow", "mcp", "tools", "${",
    "}", "${WORKSPACE}", "~", "0x", "-1", "null", "true", "\u{0}", "\u{FEFF}", "é", "\r\n",
]

@Suite struct Fuzz {
    @Test func randomYamlishTextNeverCrashesAndIsAlwaysRefusedWithAReason() {
        var rng = SeededGenerator(seed: 0xC0FFEE)
        for i in 0..<3000 {
            var s = ""
            for _ in 0..<Int.random(in: 0...60, using: &rng) {
                s += yamlishAlphabet.randomElement(using: &rng) ?? ""
            }
            assertConsistent(s, "case \(i): \(s.debugDescription)")
        }
    }

    @Test func randomBytesFromFilesNeverCrash() throws {
        var rng = SeededGenerator(seed: 42)
        let dir = try TempDir()
        for i in 0..<300 {
            let bytes = (0..<Int.random(in: 0...400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            try dir.writeBytes("f.yaml", bytes)
            let d = loader.check(dir.path + "/f.yaml")
            // Random bytes are never a valid profile (no `version: 1`).
            if !d.contains(where: { $0.severity == .error }) { Issue.record("random bytes accepted, case \(i)") }
        }
    }

    @Test func mutationsOfValidProfilesNeverCrash() throws {
        var rng = SeededGenerator(seed: 7)
        var seeds: [String] = []
        for f in ["full.yaml", "extends/base.yaml", "extends/child.yaml"] {
            seeds.append(try String(contentsOfFile: Fixtures.path(f), encoding: .utf8))
        }
        // The shipped profiles too, when the source tree has them.
        let profilesDir = repositoryRoot + "/profiles"
        for f in (try? FileManager.default.contentsOfDirectory(atPath: profilesDir)) ?? [] where f.hasSuffix(".yaml") {
            if let t = try? String(contentsOfFile: profilesDir + "/" + f, encoding: .utf8) { seeds.append(t) }
        }
        let tokens = ["@system-service", "ptrace", "EPERM", "4GiB", "[", "]", "{", "}", ": ", "- ", "\n  ", "*",
                      "${HOME}", "${env:X}", "..", "/", "deny", "allow", "net", "0", "-", "99999", "\"", "'", "&x", "*x"]
        for i in 0..<3000 {
            guard var chars = seeds.randomElement(using: &rng).map(Array.init), !chars.isEmpty else { continue }
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<max(1, chars.count), using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: // delete a range
                    let end = min(chars.count, at + Int.random(in: 1...12, using: &rng))
                    if at < end { chars.removeSubrange(at..<end) }
                case 1: // insert a token
                    chars.insert(contentsOf: Array(tokens.randomElement(using: &rng) ?? ""), at: min(at, chars.count))
                case 2: // replace a character by a random ASCII one
                    if at < chars.count { chars[at] = Character(Unicode.Scalar(UInt8.random(in: 32...126, using: &rng))) }
                case 3: // duplicate a line
                    let lines = String(chars).split(separator: "\n", omittingEmptySubsequences: false)
                    if let l = lines.randomElement(using: &rng) { chars.insert(contentsOf: Array(l + "\n"), at: min(at, chars.count)) }
                default: // swap two lines
                    var lines = String(chars).split(separator: "\n", omittingEmptySubsequences: false)
                    if lines.count > 2 {
                        let a = Int.random(in: 0..<lines.count, using: &rng), b = Int.random(in: 0..<lines.count, using: &rng)
                        lines.swapAt(a, b)
                        chars = Array(lines.joined(separator: "\n"))
                    }
                }
            }
            let text = String(chars)
            assertConsistent(text, "mutation \(i): \(text.debugDescription)")
        }
    }

    @Test func pathologicalInputsAreRefusedNotCrashed() {
        let deepFlow = "version: 1\nx: " + String(repeating: "[", count: 20_000)
        let deepBlock = "version: 1\nx:\n" + (0..<3000).map { String(repeating: " ", count: $0 + 1) + "- \n" }.joined()
        var laughs = "version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...12 { laughs += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        for (name, text) in [("deep flow", deepFlow), ("deep block", deepBlock), ("billion laughs", laughs)] {
            let d = loader.check(yaml: text, file: "/tmp/p.yaml")
            #expect(d.contains { $0.severity == .error }, "\(name) was not refused")
        }
        // The nesting cap of libyaml answers before any recursion could exhaust the stack.
        #expect(loader.check(yaml: deepFlow, file: "/tmp/p.yaml").first?.message.contains("nesting") == true)
        #expect(loader.check(yaml: deepBlock, file: "/tmp/p.yaml").first?.message.contains("nesting") == true)
        let laughsDiag = loader.check(yaml: laughs, file: "/tmp/p.yaml")
        #expect(laughsDiag.contains { $0.message.contains("expands to more than") })
    }

    @Test func oversizedAndNonUTF8FilesAreRefusedWithPositions() throws {
        let dir = try TempDir()
        try dir.writeBytes("big.yaml", Array(repeating: UInt8(ascii: "#"), count: ProfileLoader.maxFileBytes + 10))
        #expect(loader.check(dir.path + "/big.yaml").first?.message.contains("larger than") == true)
        try dir.writeBytes("latin1.yaml", Array("version: 1\ndescription: caf".utf8) + [0xE9] + Array("\n".utf8))
        let d = loader.check(dir.path + "/latin1.yaml")
        #expect(d.map { "\($0.location.line):\($0.location.column) \($0.message)" } == ["2:17 not valid UTF-8 text"])
        #expect(loader.check(dir.path).first?.message.contains("directory") == true)
    }
}

@Suite struct HostileText {
    @Test func diagnosticsEscapeControlCharactersAndStayShort() {
        // An attacker's profile tries to paint the terminal and forge a second "ok" line.
        let d = errors("version: 1\n\"evil\\e[31m\\nprofiles/base.yaml: ok\": 1\nenvironment: { namespaces: [net, \(String(repeating: "k", count: 5000))] }\n")
        #expect(d.count == 2)
        for x in d {
            #expect(!x.description.unicodeScalars.contains { $0.value < 0x20 })
            #expect(x.message.count < 1100)
        }
        #expect(d.first?.message.contains("\\u{1b}[31m\\u{a}profiles/base.yaml: ok") == true)
    }
}
