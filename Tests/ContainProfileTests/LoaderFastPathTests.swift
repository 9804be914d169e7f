import Foundation
import Testing
@testable import ContainProfile
import ContainTestSupport

// The loader's start-up shortcuts (byte-level splitting and validation, scans instead of dictionaries,
// merged group lists) held to what the straightforward code they replaced computes.

@Suite struct LoaderFastPaths {
    // MARK: reading files

    /// Byte strings that are valid UTF-8 only sometimes: truncated and overlong sequences, surrogates,
    /// code points past U+10FFFF, stray continuation bytes, NULs.
    static func randomBytes(_ rng: inout SeededGenerator, count: Int) -> [UInt8] {
        let pieces: [[UInt8]] = [
            Array("version: 1\n".utf8), Array("é".utf8), Array("€".utf8), Array("😀".utf8), [0x0a], [0x00],
            [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98],
            [0xff], [0xc3], Array("a".utf8),
        ]
        var out: [UInt8] = []
        for _ in 0..<count { out += pieces[Int(rng.next() % UInt64(pieces.count))] }
        return out
    }

    @Test func utf8CheckAgreesWithTheStandardLibrarysValidator() {
        var rng = SeededGenerator(seed: 7)
        for round in 0..<3000 {
            let bytes = Self.randomBytes(&rng, count: Int(rng.next() % 12))
            let expected = String(validating: bytes, as: UTF8.self)
            switch ProfileLoader.decodeUTF8(bytes, file: "f") {
            case .text(let s): #expect(expected == s, "round \(round): \(bytes)")
            case .failure: #expect(expected == nil, "round \(round): \(bytes) is valid UTF-8 but was refused")
            }
        }
    }

    @Test func invalidUTF8IsReportedAtItsLineAndColumn() {
        guard case .failure(let d) = ProfileLoader.decodeUTF8(Array("version: 1\nab\u{e9}".utf8) + [0xff, 0x41], file: "p.yaml") else {
            Issue.record("an 0xff byte was accepted as text"); return
        }
        #expect(d.description == "p.yaml:2:4: error: not valid UTF-8 text")
    }

    @Test func filesAreReadWholeWhateverTheirSize() throws {
        let dir = try TempDir()
        for size in [0, 1, 4095, 4096, 4097, 70_000, ProfileLoader.maxFileBytes] {
            let text = String(repeating: "#234567\n", count: size / 8) + String(repeating: "x", count: size % 8)
            try dir.write("p\(size).yaml", text)
            guard case .text(let read) = ProfileLoader.readText(dir.path + "/p\(size).yaml") else {
                Issue.record("\(size) bytes were not read"); continue
            }
            #expect(read == text, "\(size) bytes")
        }
        // One byte over the limit is refused, as a file much larger is.
        for size in [ProfileLoader.maxFileBytes + 1, 3 * ProfileLoader.maxFileBytes] {
            try dir.write("big.yaml", String(repeating: "x", count: size))
            guard case .failure(let d) = ProfileLoader.readText(dir.path + "/big.yaml") else {
                Issue.record("a \(size)-byte file was accepted"); continue
            }
            #expect(d.message == "larger than 1024 KiB; a profile is a small hand-written file")
        }
    }

    @Test func filesWhoseStatSizeIsZeroAreReadToTheEnd() {
        // /proc files report size 0 and still have content; the read must not trust the stat.
        guard case .text(let status) = ProfileLoader.readText("/proc/self/status") else {
            Issue.record("/proc/self/status was not read"); return
        }
        #expect(status.contains("Pid:"))
    }

    @Test func directoriesAndMissingFilesAreStillRefusedByName() {
        guard case .failure(let dir) = ProfileLoader.readText("/tmp") else { Issue.record("a directory was read"); return }
        #expect(dir.description == "/tmp:1:1: error: is a directory, not a profile file")
        guard case .failure(let missing) = ProfileLoader.readText("/nonexistent/p.yaml") else { Issue.record("a missing file was read"); return }
        #expect(missing.description == "/nonexistent/p.yaml:1:1: error: cannot open: No such file or directory")
    }

    // MARK: environment

    @Test func environmentEntriesSplitAtTheFirstEquals() {
        func split(_ s: String) -> (String, String)? { s.withCString { ProfileVariables.split($0) } }
        #expect(split("A=b").map { [$0.0, $0.1] } == ["A", "b"])
        #expect(split("A=b=c").map { [$0.0, $0.1] } == ["A", "b=c"])
        #expect(split("A=").map { [$0.0, $0.1] } == ["A", ""])
        #expect(split("=x").map { [$0.0, $0.1] } == ["", "x"])
        #expect(split("NOEQUALS") == nil)
        #expect(split("K=v\u{e9}").map { [$0.0, $0.1] } == ["K", "v\u{e9}"])
        // Non-ASCII entries keep the Character semantics of the reader this replaced: a combining mark
        // makes "=\u{301}" one Character, which is not "=", so the split happens at the next plain "=".
        #expect(split("A=\u{301}B=C").map { [$0.0, $0.1] } == ["A=\u{301}B", "C"])
        #expect(split("A=\u{301}") == nil)
    }

    @Test func currentVariablesSeeTheProcessEnvironment() {
        setenv("CONTAIN_FASTPATH_TEST", "x=y", 1)
        defer { unsetenv("CONTAIN_FASTPATH_TEST") }
        let v = ProfileVariables.current(workspace: "/w")
        #expect(v.environment["CONTAIN_FASTPATH_TEST"] == "x=y")
        #expect(v.environment["PATH"] == ProcessInfo.processInfo.environment["PATH"])
        #expect(v.environment.count == ProcessInfo.processInfo.environment.count)
        #expect(v.workspace == "/w")
    }

    // MARK: paths

    @Test func lexicalPathHelpersKeepTheirResults() {
        #expect(PathText.normalize("") == "/")
        #expect(PathText.normalize("/") == "/")
        #expect(PathText.normalize("//a/./b//c/") == "/a/b/c")
        #expect(PathText.normalize("a/../b") == "/a/../b")
        #expect(PathText.join("/etc", "x.yaml") == "/etc/x.yaml")
        #expect(PathText.join("/", "./x.yaml") == "/x.yaml")
        #expect(PathText.join(".", "x.yaml") == "x.yaml")
        #expect(PathText.join(".", ".") == ".")
        #expect(PathText.join("dir", "../x") == "dir/../x")
        #expect(PathText.collapse("/a/b/../../..") == "/")
        #expect(PathText.collapse("/usr/local/bin/../share/./contain") == "/usr/local/share/contain")
    }

    @Test func byteLevelPathSplittingAgreesWithCharacterSplitting() {
        // The Character-based code the byte-level paths replaced, as the reference.
        func normalizeReference(_ path: String) -> String {
            var parts: [Substring] = []
            for c in path.split(separator: "/", omittingEmptySubsequences: true) where c != "." { parts.append(c) }
            return "/" + parts.joined(separator: "/")
        }
        let pieces = ["/", "/", "//", ".", "..", "a", "bc", "-", " ", "\r\n", "\u{e9}", "\u{301}", "/\u{301}", ".\u{301}", "\u{1F600}"]
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<5000 {
            let path = (0..<Int(rng.next() % 9)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            #expect(PathText.normalize(path) == normalizeReference(path), "\(path.debugDescription)")
            #expect(PathText.hasDotDot(path) == path.split(separator: "/").contains(".."), "\(path.debugDescription)")
            let isASCII = path.utf8.allSatisfy { $0 < 0x80 }
            #expect((PathText.asciiNormalize(path) != nil) == isASCII)
        }
        // A combining mark joins "/" into one Character that is not "/": not a separator, as before.
        #expect(PathText.normalize("/a/\u{301}b") == "/a/\u{301}b")
        #expect(PathText.hasDotDot("/a/..") && !PathText.hasDotDot("/a/..\u{301}") && !PathText.hasDotDot("/a/...b"))
    }

    // MARK: name tables

    @Test func nameTablesAnswerWithTheFirstEntryOfAName() {
        #expect(ErrnoNames.number("EPERM") == 1)
        #expect(ErrnoNames.number("EWOULDBLOCK") == 11)
        #expect(ErrnoNames.number("eperm") == nil)
        #expect(ErrnoNames.name(11) == "EAGAIN")
        #expect(SocketFamilies.number("netlink") == 16)
        #expect(SocketFamilies.number("AF_NETLINK") == nil)
        #expect(ArgumentConstants.value("AF_NETLINK") == 16)
        #expect(ArgumentConstants.value("TIOCSTI") == 0x5412)
        #expect(ArgumentConstants.value("") == nil)
        for (name, value) in ErrnoNames.table { #expect(ErrnoNames.number(name) == value) }
    }

    @Test func namedPlacesKeepTheFirstPlaceBeforeAndAfterTheyGrowAnIndex() {
        var places = NamedPlaces()
        func at(_ i: Int) -> ContainProfile.SourceLocation { ContainProfile.SourceLocation(file: "f", line: i, column: 1) }
        for i in 0..<300 {
            let added = places.add("n\(i)", at(i))
            #expect(added)
            let again = places.add("n\(i / 2)", at(1000 + i))
            #expect(!again, "a second add of n\(i / 2) must report it was there")
            #expect(places.place(of: "n\(i / 3)") == at(i / 3))
        }
        #expect(places.contains("n299"))
        #expect(!places.contains("n300"))
        #expect(places.place(of: "n300") == nil)
    }

    // MARK: decoding

    @Test func checkAndLoadGivesWhatCheckAndLoadGiveSeparately() throws {
        let dir = try TempDir()
        try dir.write("warn.yaml", "version: 1\nenvironment:\n  syscalls:\n    deny: [kcmp, kcmp]\n")
        try dir.write("bad.yaml", "version: 1\nenvironment:\n  syscalls:\n    deny: [no_such_call]\n")
        let files = [dir.path + "/warn.yaml", dir.path + "/bad.yaml", Fixtures.path("full.yaml"), Fixtures.path("bad-keys.yaml"),
                     dir.path + "/missing.yaml"]
        for f in files {
            let both = loader.checkAndLoad(f)
            #expect(both.diagnostics == loader.check(f), "\(f)")
            do {
                let p = try loader.load(f)
                #expect(both.profile?.warnings == p.warnings, "\(f)")
                #expect(both.profile?.sources == p.sources, "\(f)")
            } catch {
                #expect(both.profile == nil, "\(f) loads in checkAndLoad but not in load")
            }
        }
        #expect(loader.checkAndLoad(dir.path + "/warn.yaml").profile?.warnings.count == 1)
    }

    @Test func valuesWithoutVariablesAreKeptAsWritten() {
        var d = ProfileDecoder(variables: testVariables)
        let here = ContainProfile.SourceLocation(file: "f", line: 1, column: 1)
        let cases = [("/plain/path", "/plain/path"), ("~", "/home/tester"), ("~/a", "/home/tester/a"), ("~x", "~x"),
                     ("a$b", "a$b"), ("$$", "$"), ("${WORKSPACE}/é", "/work/ws/é"), ("", "")]
        for (raw, expanded) in cases {
            let got = d.expand(raw, at: here, "x")
            #expect(got == expanded, "\(raw)")
        }
        #expect(d.diagnostics.isEmpty)
    }

    @Test func duplicateAndConflictingSyscallEntriesAreReportedAtTheFirstPlace() {
        // Expected text taken from the loader before the change (contain check at f27ecd0).
        let yaml = """
            version: 1
            environment:
              syscalls:
                allow: [read, write, "@basic-io"]
                deny: [kcmp, write, kcmp, read]
                kill: [read, "@mount"]
            """
        #expect(diagnose(yaml, file: "/tmp/inline.yaml").map(\.description) == [
            "/tmp/inline.yaml:5:18: error: 'write' is both allowed (line 4:19) and denied; remove one of them",
            "/tmp/inline.yaml:5:31: error: 'read' is both allowed (line 4:13) and denied; remove one of them",
            "/tmp/inline.yaml:5:25: warning: 'kcmp' is already denied or killed at line 5:12; the first entry wins",
            "/tmp/inline.yaml:6:12: warning: 'read' is already denied or killed at line 5:31; the first entry wins",
        ])
    }
}
