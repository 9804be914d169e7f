import Foundation
@testable import ContainProfile

enum Fixtures {
    static var directory: String {
        // SwiftPM copies Fixtures into the test bundle; fall back to the source tree.
        if let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) { return url.path }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }
    static func path(_ name: String) -> String { directory + "/" + name }
}

let testVariables = ProfileVariables(workspace: "/work/ws", home: "/home/tester",
                                     environment: ["API_HOST": "api.internal", "EMPTY": ""])
let loader = ProfileLoader(variables: testVariables)

/// Diagnostics of an inline profile, as "LINE:COL: message" strings (file name stripped).
func diagnose(_ yaml: String, file: String = "/tmp/inline.yaml") -> [Diagnostic] {
    loader.check(yaml: yaml, file: file)
}

func errors(_ yaml: String) -> [Diagnostic] { diagnose(yaml).filter { $0.severity == .error } }

/// A temporary directory removed when the test ends.
final class TempDir {
    let path: String
    init() throws {
        var template = Array("/tmp/contain-profile-test-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: p)
    }
    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
    }
    func writeBytes(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path + "/" + name))
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}


/// The repository root (resolving symlinks, so it holds when the tests are built from another package).
let repositoryRoot: String = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
