import Foundation
@testable import ContainLearn
import Testing

/// The real file system: what the profile writer asks the host about learned paths.
@Suite struct HostPathFactsTests {
    let facts = HostPathFacts()

    @Test func kindsAndSymlinksOfRealPaths() throws {
        let dir = NSTemporaryDirectory() + "contain-learn-facts-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "x".write(toFile: dir + "/sub/file", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: "sub")
        let real = try #require(facts.resolved(dir))
        #expect(facts.kind(dir + "/sub") == .directory)
        #expect(facts.kind(dir + "/sub/file") == .file)
        #expect(facts.kind(dir + "/link") == .symlink)
        #expect(facts.kind(dir + "/link/file") == .file)   // symlinks on the way are followed, like lstat
        #expect(facts.kind(dir + "/missing") == .missing)
        #expect(facts.resolved(dir + "/link/file") == real + "/sub/file")
        #expect(facts.resolved(dir + "/missing") == nil)
    }

    @Test func loadersTheKernelOpensInsideExecve() throws {
        // A dynamically linked program names its ELF interpreter (PT_INTERP).
        let ls = try #require(["/usr/bin/ls", "/bin/ls"].first { FileManager.default.fileExists(atPath: $0) })
        let interp = facts.loaderFiles(ofExecutable: ls)
        #expect(interp.count == 1 && interp[0].hasPrefix("/") && interp[0].contains("ld-linux"), "\(interp)")
        #expect(facts.isELF(ls))
        // A script names its #! interpreter.
        let script = NSTemporaryDirectory() + "contain-learn-script-\(getpid())"
        try "#!/usr/bin/env python3 -u\nprint(1)\n".write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        #expect(facts.loaderFiles(ofExecutable: script) == ["/usr/bin/env"])
        #expect(!facts.isELF(script))
        // Not executables: nothing.
        #expect(facts.loaderFiles(ofExecutable: "/etc/hostname").isEmpty)
        #expect(facts.loaderFiles(ofExecutable: "/nonexistent").isEmpty)
    }
}
