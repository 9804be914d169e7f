// Resolution inside the sandbox's view: a directory standing in for the sandbox root (RESOLVE_IN_ROOT keeps
// absolute symlinks and ".." inside it), then a real mount namespace read through /proc/<pid>/root.

import Foundation
import Testing
import ContainProfile
import ContainRuleKit
@testable import ContainPathRules

private let fx = Fixture.shared

private func inRoot(_ raw: String, follow: Bool = true) throws -> ResolvedPath {
    let ctx = RuleContext(workingDirectory: "/work", home: "/home/nobody", sandboxRoot: fx.root + "/root")
    return try PathCanonicalizer(context: ctx).resolve(raw, followFinal: follow)
}

@Test func absoluteSymlinkInsideTheViewMeansTheViewsRoot() throws {
    // /work/abs-etc -> /etc: in the view that is <root>/etc, reported as "/etc" (the server's path).
    let r = try inRoot("/work/abs-etc/passwd")
    #expect(r.path == "/etc/passwd")
    #expect(r.exists) // <root>/etc/passwd exists; the host's /etc/passwd is irrelevant
}

@Test func dotDotCannotClimbAboveTheViewsRoot() throws {
    #expect(try inRoot("/work/../../../../etc/passwd").path == "/etc/passwd")
    #expect(try inRoot("/work/dotdot/work/sub/f.txt").path == "/work/sub/f.txt")
    #expect(try inRoot("sub/../../../..").path == "/")
}

@Test func hostFilesOutsideTheViewDoNotExistInIt() throws {
    let r = try inRoot("/usr/bin/env")
    #expect(r.path == "/usr/bin/env")
    #expect(!r.exists)
    // A symlink to a host path: inside the view that host path is just a (missing) path under the root.
    let h = try inRoot("/work/host-outside/secret.txt")
    #expect(h.path == fx.t("$T/outside/secret.txt"))
    #expect(!h.exists)
}

@Test func relativePathsUseTheServersWorkingDirectory() throws {
    #expect(try inRoot("sub/f.txt").path == "/work/sub/f.txt")
    #expect(try inRoot("sub/f.txt").exists)
}

@Test func unavailableSandboxRootIsRefused() {
    let ctx = RuleContext(workingDirectory: "/", home: "/", sandboxRoot: "/proc/999999999/root")
    #expect(throws: PathCanonicalizationError.self) { try PathCanonicalizer(context: ctx).canonicalize("/work") }
    var r = PathRule(id: "fs.paths", tools: ["*"])
    r.allow = ["/**"]
    let v = PathRuleEvaluator(rule: r).evaluate(
        ToolCall(name: "read_file", arguments: .object([("path", .string("/work/x"))]), requestID: "1"), context: ctx)
    #expect(v != .allow) // fail closed even with allow: /**
}

/// A process in its own mount namespace whose view differs from the host's: the workspace directory has a
/// tmpfs over it holding a symlink "escape -> /etc" and an "only-in-view.txt" file, and a second bind mount
/// of the workspace (so link(2) from elsewhere crosses mounts).
private final class NamespacedProcess {
    let process = Process()
    let pid: Int32
    let linkResult: String

    init(overlay: String, crossTarget: String) throws {
        let script = """
        set -e
        mount -t tmpfs none '\(overlay)'
        ln -s /etc '\(overlay)/escape'
        echo view > '\(overlay)/only-in-view.txt'
        if ln '\(crossTarget)' '\(overlay)/hardlink' 2>/dev/null; then echo linked; else echo link-refused; fi
        exec sleep 600
        """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["-rm", "--propagation", "private", "/bin/sh", "-c", script]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // The script prints one line once the view is ready, then execs sleep (same pid).
        var line = Data()
        while let b = try out.fileHandleForReading.read(upToCount: 1), !b.isEmpty, b != Data([0x0A]) { line.append(b) }
        linkResult = String(decoding: line, as: UTF8.self)
        pid = process.processIdentifier
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }
}

private func canUnshare() -> Bool {
    FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
        && (try? String(contentsOfFile: "/proc/sys/user/max_user_namespaces", encoding: .utf8))
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) != "0" } == true
}

@Test(.enabled(if: canUnshare(), "needs unshare(1) and user namespaces"))
func resolvesInsideARealMountNamespaceViaProcRoot() throws {
    let base = fx.t("$T/nsview-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(atPath: base + "/ws", withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: base + "/ws/host-only.txt", contents: Data("host".utf8))
    let ns = try NamespacedProcess(overlay: base + "/ws", crossTarget: fx.t("$T/outside/secret.txt"))
    let ctx = RuleContext(workingDirectory: base + "/ws", home: "/", sandboxRoot: "/proc/\(ns.pid)/root")
    let c = PathCanonicalizer(context: ctx)

    // The symlink exists only in the server's view, and it points out of the workspace.
    #expect(try c.canonicalize(base + "/ws/escape/passwd") == "/etc/passwd")
    #expect(try c.resolve("only-in-view.txt", followFinal: true).exists)
    // The host's file under the same name is hidden by the view's tmpfs.
    #expect(try !c.resolve(base + "/ws/host-only.txt", followFinal: true).exists)
    // On the host the escape link does not exist at all: only the view-aware check sees it.
    let host = PathCanonicalizer(context: RuleContext(workingDirectory: base + "/ws", home: "/"))
    #expect(try host.canonicalize(base + "/ws/escape/passwd") == base + "/ws/escape/passwd")

    var r = PathRule(id: "fs.paths", tools: ["*"])
    r.allow = [base + "/ws/**"]
    let ev = PathRuleEvaluator(rule: r)
    let v = ev.evaluate(ToolCall(name: "read_file", arguments: .object([("path", .string("escape/passwd"))]), requestID: "1"), context: ctx)
    #expect(v == .deny(rule: "fs.paths", reason: "read_file.path \"escape/passwd\" resolves to /etc/passwd, outside fs.paths allow list"))

    // Hard links: inside a separate mount, link(2) to a file on another mount fails (EXDEV), which is what
    // keeps "hard link to an outside inode" out of a bind-mounted workspace. (tmpfs here; the sandbox's
    // workspace bind mount gives the same EXDEV.)
    #expect(ns.linkResult == "link-refused")
}
