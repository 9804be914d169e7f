// Every ```yaml block in docs/profiles.md is a complete profile that must pass `contain check` cleanly,
// so the reference cannot teach something the loader refuses.

import Foundation
import Testing
@testable import ContainProfile

struct DocExample: CustomStringConvertible, Sendable {
    var line: Int
    var text: String
    var description: String { "docs/profiles.md:\(line)" }
}

func docExamples() -> [DocExample] {
    guard let doc = try? String(contentsOfFile: repositoryRoot + "/docs/profiles.md", encoding: .utf8) else { return [] }
    var out: [DocExample] = []
    var current: [Substring]?
    var start = 0
    for (i, line) in doc.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        if current == nil, line == "```yaml" { current = []; start = i + 2 }
        else if current != nil, line == "```" {
            out.append(DocExample(line: start, text: (current ?? []).joined(separator: "\n") + "\n"))
            current = nil
        } else if current != nil { current?.append(line) }
    }
    return out
}

@Suite struct DocsExamples {
    @Test func thereAreExamples() { #expect(docExamples().count >= 15) }

    @Test(arguments: docExamples())
    func examplePassesCheck(_ example: DocExample) {
        var vars = testVariables
        vars.environment["API_HOST"] = "api.example.com"
        vars.environment["CONTAIN_PROFILE_PATH"] = repositoryRoot + "/profiles"
        // Placed in docs/ so relative `extends` would resolve like a reader's file next to it.
        let d = ProfileLoader(variables: vars).check(yaml: example.text, file: repositoryRoot + "/docs/example.yaml")
        #expect(d.isEmpty, "\(example): \(d.map(\.description).joined(separator: "\n"))")
    }
}
