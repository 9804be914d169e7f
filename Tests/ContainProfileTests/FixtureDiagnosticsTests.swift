// Every fixture states the diagnostics it must produce as trailing `# expect:` comments:
//   # expect: [OTHER-FILE ]LINE:COL SEVERITY MESSAGE-TEXT
// The loader must produce exactly those (same count, same positions, messages containing the text), so a
// moved column, a lost diagnostic or an extra one all fail. Fixtures without expectations must be clean.

import Foundation
import Testing
@testable import ContainProfile

struct Expectation: CustomStringConvertible {
    var file: String?
    var line: Int
    var column: Int
    var severity: Diagnostic.Severity
    var text: String
    var description: String { "\(file.map { $0 + " " } ?? "")\(line):\(column) \(severity.rawValue) \(text)" }

    func matches(_ d: Diagnostic, defaultFile: String) -> Bool {
        (d.location.file as NSString).lastPathComponent == (file ?? defaultFile)
            && d.location.line == line && d.location.column == column && d.severity == severity && d.message.contains(text)
    }

    static func parse(_ fixture: String) -> [Expectation] {
        guard let text = try? String(contentsOfFile: fixture, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { raw -> Expectation? in
            guard raw.hasPrefix("# expect: ") else { return nil }
            var rest = String(raw.dropFirst("# expect: ".count))
            var file: String?
            if let sp = rest.firstIndex(of: " "), rest[..<sp].hasSuffix(".yaml") {
                file = String(rest[..<sp])
                rest = String(rest[rest.index(after: sp)...])
            }
            let words = rest.split(separator: " ", maxSplits: 2).map(String.init)
            guard words.count == 3 else { return nil }
            let pos = words[0].split(separator: ":").compactMap { Int($0) }
            guard pos.count == 2, let sev = Diagnostic.Severity(rawValue: words[1]) else { return nil }
            return Expectation(file: file, line: pos[0], column: pos[1], severity: sev, text: words[2])
        }
    }
}

func fixtureFiles() -> [String] {
    let fm = FileManager.default
    var out: [String] = []
    for sub in ["", "extends/"] {
        let dir = Fixtures.directory + "/" + sub
        for f in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where f.hasSuffix(".yaml") { out.append(sub + f) }
    }
    return out.sorted()
}

@Suite struct FixtureDiagnostics {
    @Test func fixturesAreFound() {
        #expect(fixtureFiles().count >= 20)
    }

    @Test(arguments: fixtureFiles())
    func diagnosticsMatchExpectations(_ fixture: String) {
        let path = Fixtures.path(fixture)
        let expected = Expectation.parse(path)
        let got = loader.check(path)
        let name = (fixture as NSString).lastPathComponent
        var unmatched = got
        for e in expected {
            if let i = unmatched.firstIndex(where: { e.matches($0, defaultFile: name) }) {
                unmatched.remove(at: i)
            } else {
                let all = got.map(\.description).joined(separator: "\n    ")
                Issue.record("\(fixture): expected diagnostic not produced: \(e)\n  got:\n    \(all)")
            }
        }
        for d in unmatched { Issue.record("\(fixture): unexpected diagnostic: \(d)") }
        if fixture.hasPrefix("bad-") || expected.contains(where: { $0.severity == .error }) {
            #expect(throws: ProfileLoadError.self) { try loader.load(path) }
        } else {
            #expect(throws: Never.self) { try loader.load(path) }
        }
    }

    @Test func diagnosticFormatIsFileLineColSeverityMessage() {
        let d = errors("version: 1\nenvironment:\n  namespces: [user]\n")
        #expect(d.map(\.description) == ["/tmp/inline.yaml:3:3: error: unknown key 'namespces' in environment (did you mean 'namespaces'?)"])
    }

    @Test func loadErrorCarriesEveryDiagnostic() {
        do {
            _ = try loader.load(Fixtures.path("bad-syscalls.yaml"))
            Issue.record("a profile with errors loaded")
        } catch {
            #expect(error.errors.count == 10)
            #expect(error.description.split(separator: "\n").count == error.diagnostics.count)
        }
    }
}
