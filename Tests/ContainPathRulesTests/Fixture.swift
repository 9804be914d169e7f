// A real directory tree with real symlinks, built once under a fresh temp directory, for the path tests.
// "$T" in expectations stands for its (physical) root.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class Fixture: Sendable {
    static let shared = Fixture()

    /// Physical path of the temp root (realpath'd, so expectations are exact).
    let root: String
    var work: String { root + "/work" }
    var home: String { root + "/home/user" }

    init() {
        var template = Array("/tmp/contain-path-tests.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        let raw = String(cString: made!)
        root = URL(fileURLWithPath: raw).resolvingSymlinksInPath().path
        build()
        // Remove the tree when the test process exits (the C callback cannot capture; it reads the static).
        atexit { try? FileManager.default.removeItem(atPath: Fixture.shared.root) }
    }

    func t(_ s: String) -> String { s.replacingOccurrences(of: "$T", with: root) }

    func mkdir(_ rel: String) {
        try! FileManager.default.createDirectory(atPath: root + "/" + rel, withIntermediateDirectories: true)
    }

    func file(_ rel: String, _ content: String = "x") {
        _ = FileManager.default.createFile(atPath: root + "/" + rel, contents: Data(content.utf8))
    }

    /// A symlink whose target is stored exactly as given (bytes), "$T" expanded.
    func symlink(_ rel: String, to target: String) {
        let r = Glibc.symlink(t(target), root + "/" + rel)
        precondition(r == 0, "symlink \(rel) failed: \(errno)")
    }

    func symlink(_ rel: String, toBytes target: [UInt8]) {
        var z = target.map { CChar(bitPattern: $0) }
        z.append(0)
        let r = Glibc.symlink(z, root + "/" + rel)
        precondition(r == 0, "symlink \(rel) failed: \(errno)")
    }

    private func build() {
        for d in ["work/a/b", "work/.git", "work/keys", "work/caf\u{e9}", "outside", "work-evil", "work2", "home/user",
                  "root/work/sub", "root/etc", "realws/secret"] {
            mkdir(d)
        }
        for f in ["work/a/b/c.txt", "work/file.txt", "work/.env", "work/.git/config", "work/keys/id_rsa",
                  "work/cert.pem", "work/caf\u{e9}/n.txt", "outside/secret.txt", "work-evil/x.txt",
                  "home/user/notes.txt", "root/etc/passwd", "root/work/sub/f.txt", "realws/f.txt",
                  "realws/secret/k.txt"] {
            file(f)
        }
        symlink("work/link-to-a", to: "a")
        symlink("work/link-abs-a", to: "$T/work/a")
        symlink("work/link-out", to: "$T/outside")
        symlink("work/link-root", to: "/")
        symlink("work/link-etc-passwd", to: "/etc/passwd")
        symlink("work/loop1", to: "loop2")
        symlink("work/loop2", to: "loop1")
        symlink("work/selfloop", to: "selfloop")
        symlink("work/dangling-in", to: "$T/work/newfile.txt")
        symlink("work/dangling-out", to: "$T/outside/created.txt")
        symlink("work/dangling-rel-out", to: "../outside/new.txt")
        symlink("work/dangling-deep", to: "nodir/deeper/x.txt")
        symlink("work/chain1", to: "chain2")
        symlink("work/chain2", to: "chain3")
        symlink("work/chain3", to: "a")
        symlink("work/up", to: "..")
        symlink("work/a/link-up2", to: "../..")
        symlink("work/deeplink", to: "a/b")
        symlink("work/link-env", to: ".env")
        symlink("work/named.env", to: "file.txt")
        symlink("work/proc-self", to: "/proc/self/root")
        symlink("work/bad-utf8", toBytes: Array("x".utf8) + [0xFF, 0xFE])
        // 40 links are the kernel's limit (MAXSYMLINKS): a chain of 40 resolves, 41 is ELOOP.
        for i in 0..<40 { symlink("work/c40-\(i)", to: i == 39 ? "missing-target.txt" : "c40-\(i + 1)") }
        for i in 0..<41 { symlink("work/c41-\(i)", to: i == 40 ? "missing-target.txt" : "c41-\(i + 1)") }
        for i in 0..<40 { symlink("work/e40-\(i)", to: i == 39 ? "file.txt" : "e40-\(i + 1)") }
        // Inside the directory used as a sandbox root: absolute targets mean the sandbox's "/".
        symlink("root/work/abs-etc", to: "/etc")
        symlink("root/work/dotdot", to: "../../../../..")
        symlink("root/work/host-outside", to: "$T/outside")
        // A workspace reached through a symlink.
        symlink("linkws", to: "realws")
        // A hard link inside the workspace to a file outside it: the same inode under an inside name.
        file("outside/hardlink-target.txt", "outside-secret")
        _ = Glibc.link(root + "/outside/hardlink-target.txt", root + "/work/hardlink.txt")
    }
}
