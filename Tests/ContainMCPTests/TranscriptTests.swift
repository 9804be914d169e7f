import Testing
@testable import ContainMCP

/// Every tests/transcripts/*.jsonl file, run through a real session over pipes.
@Test(arguments: Transcript.names())
func transcript(_ name: String) throws {
    let failures = try Transcript.run(name)
    for f in failures { Issue.record(Comment(rawValue: f)) }
}

@Test func transcriptsArePresent() {
    #expect(Transcript.names().count >= 10)
}
