// Plan building against real files: runtime discovery (PATH, shebangs, venvs), the filesystem view
// (ordering, symlinks, masks, missing paths), environment scrubbing, Landlock negotiation.

import Testing
import Glibc
@testable import ContainSandbox
import CContainChild
import ContainAudit
import ContainProfile

/// A scratch directory tree, removed at deinit.
final class Scratch {
    let root: String
    init() {
        var template = Array("/tmp/contain-plan-test-XXXXXX".utf8CString)
        root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }
    deinit { _ = system("rm -rf '\(root)'") }
    func path(_ rel: String) -> String { root + "/" + rel }
    func dir(_ rel: String) { _ = system("mkdir -p '\(path(rel))'") }
    func file(_ rel: String, _ text: String, mode: mode_t = 0o644) {
        dir(SandboxPath.directory(of: rel))
        let fd = open(path(rel), O_WRONLY | O_CREAT | O_TRUNC, mode)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        chmod(path(rel), mode)
    }
    func link(_ rel: String, to target: String) { symlink(target, path(rel)) }
}

@Suite struct RuntimeResolverTests {
    @Test func commandIsFoundOnTheServersPathNotOurs() throws {
        let s = Scratch()
        s.file("bin/mcp-tool", "#!/bin/sh\n", mode: 0o755)
        let exe = try RuntimeResolver.locate("mcp-tool", searchPath: "/nonexistent:" + s.path("bin"), cwd: "/")
        #expect(exe == s.path("bin/mcp-tool"))
        #expect(throws: RuntimeError.self) { try RuntimeResolver.locate("mcp-tool", searchPath: "/usr/bin", cwd: "/") }
    }

    @Test func nonExecutableFileIsRefused() {
        let s = Scratch()
        s.file("data.txt", "x", mode: 0o644)
        #expect(throws: RuntimeError.self) { try RuntimeResolver.locate(s.path("data.txt"), searchPath: "", cwd: "/") }
    }

    @Test func envShebangLeadsToTheInterpreterAndItsVenvAndBasePrefix() throws {
        let s = Scratch()
        // A venv whose pyvenv.cfg names a base Python under a pyenv-like prefix.
        s.file("base/bin/python3.12", "#!/bin/sh\n", mode: 0o755)
        s.file("venv/pyvenv.cfg", "home = \(s.path("base/bin"))\ninclude-system-site-packages = false\n")
        s.file("venv/bin/mcp-server", "#!/usr/bin/env -S python3 -u\nimport x\n", mode: 0o755)
        s.link("venv/bin/python3", to: s.path("base/bin/python3.12"))
        let r = try RuntimeResolver.resolve("mcp-server", searchPath: s.path("venv/bin") + ":/usr/bin", cwd: "/")
        let paths = r.additions.map(\.path)
        #expect(r.executable == s.path("venv/bin/mcp-server"))
        #expect(paths.contains(s.path("venv")))           // site-packages live here
        #expect(paths.contains(s.path("base")))           // pyvenv.cfg home's prefix
        #expect(paths.contains(s.path("base/bin/python3.12")))
        #expect(paths.contains("/usr/bin/env"))
    }

    @Test func nodeModulesOfAScriptAreAdded() throws {
        let s = Scratch()
        s.file("proj/node_modules/pkg/dist/index.js", "#!/bin/sh\n", mode: 0o755)
        s.dir("proj/node_modules/.bin")
        s.link("proj/node_modules/.bin/pkg", to: "../pkg/dist/index.js")
        let r = try RuntimeResolver.resolve(s.path("proj/node_modules/.bin/pkg"), searchPath: "", cwd: "/")
        #expect(r.additions.map(\.path).contains(s.path("proj/node_modules")))
    }

    @Test func whatTheServerCanWriteCannotPullSecretsIntoTheView() throws {
        let s = Scratch()
        s.file("secrets/credentials", "x")                      // no interpreter in secrets/bin
        s.file("ws/.venv/pyvenv.cfg", "home = \(s.path("secrets/bin"))\n")
        s.file("ws/.venv/bin/tool", "#!/bin/sh\n", mode: 0o755)
        let writable: (String) -> Bool = { SandboxPath.isWithin($0, s.path("ws")) }
        let r = try RuntimeResolver.resolve(s.path("ws/.venv/bin/tool"), searchPath: "", cwd: "/", isWritable: writable)
        #expect(!r.additions.map(\.path).contains(s.path("secrets")))
        #expect(r.refused.map(\.path) == [s.path("secrets")])
        // The same venv outside the writable view is the user's own: trusted.
        let trusted = try RuntimeResolver.resolve(s.path("ws/.venv/bin/tool"), searchPath: "", cwd: "/")
        #expect(trusted.additions.map(\.path).contains(s.path("secrets")))
        // A real interpreter prefix found through the workspace is still added.
        s.file("pyenv/bin/python3", "#!/bin/sh\n", mode: 0o755)
        s.file("ws/.venv/pyvenv.cfg", "home = \(s.path("pyenv/bin"))\n")
        let venv = try RuntimeResolver.resolve(s.path("ws/.venv/bin/tool"), searchPath: "", cwd: "/", isWritable: writable)
        #expect(venv.additions.map(\.path).contains(s.path("pyenv")))
    }

    @Test func envTargetSkipsOptionsAndAssignments() {
        #expect(RuntimeResolver.envTarget("-S python3 -u") == "python3")
        #expect(RuntimeResolver.envTarget("PYTHONPATH=/x node") == "node")
        #expect(RuntimeResolver.envTarget(nil) == nil)
    }
}

@Suite struct ViewBuilderTests {
    func build(_ entries: [ViewEntry], deny: [String] = [], tmp: Bool = true) throws -> ViewPlan {
        try ViewBuilder(filesystem: .init(privateTmp: tmp, minimalDev: true, proc: true), entries: entries, deny: deny).build()
    }

    func bindTargets(_ p: ViewPlan) -> [String] {
        p.steps.filter { $0.op == .moveMount }.compactMap { $0.path.map { String($0.dropFirst(ViewBuilder.newRoot.count)) } }
    }

    @Test func bindsGoShallowFirstAfterTheSandboxOwnMounts() throws {
        let s = Scratch()
        s.dir("a/b/c")
        let p = try build([ViewEntry(path: s.path("a/b/c"), access: .write, runtime: false),
                           ViewEntry(path: s.path("a"), access: .read, runtime: false)])
        #expect(bindTargets(p) == [s.path("a"), s.path("a/b/c")])
        // Every source is cloned in the prelude (before the uid switch), in the same order.
        #expect(p.prelude.filter { $0.op == .openTree }.compactMap(\.src) == [s.path("a"), s.path("a/b/c")])
        let names = p.steps.map(\.name)
        let tmp = try #require(names.firstIndex(of: "mount private /tmp"))
        let firstBind = try #require(names.firstIndex(of: "bind \(s.path("a"))"))
        #expect(tmp < firstBind) // binds under /tmp land on top of the private /tmp, not under it
        // Read-only, no exec for read; writable for write; nosuid/nodev everywhere.
        let attrs = p.steps.filter { $0.op == .mountSetattr && ($0.path ?? "").hasSuffix("/a") }
        #expect(attrs.first?.arg == MountAttr.rdonly | MountAttr.nosuid | MountAttr.nodev | MountAttr.noexec)
        let wattrs = p.steps.filter { $0.op == .mountSetattr && ($0.path ?? "").hasSuffix("/a/b/c") }
        #expect(wattrs.first?.arg == MountAttr.nosuid | MountAttr.nodev)
        #expect(p.landlockRules.contains { $0.0 == s.path("a/b/c") && $0.1 == LandlockRights.readWrite })
        #expect(p.landlockRules.contains { $0.0 == s.path("a") && $0.1 == LandlockRights.read })
    }

    @Test func missingReadPathIsSkippedWithANoteButMissingWritePathIsAnError() throws {
        let p = try build([ViewEntry(path: "/nonexistent-contain-test", access: .read, runtime: false)])
        #expect(p.notes.contains { $0.contains("/nonexistent-contain-test") })
        #expect(!bindTargets(p).contains("/nonexistent-contain-test"))
        #expect(throws: ViewError.self) {
            try build([ViewEntry(path: "/nonexistent-contain-test", access: .write, runtime: false)])
        }
    }

    @Test func bindingTheRootOrTheSandboxOwnFilesystemsIsRefused() {
        #expect(throws: ViewError.self) { try build([ViewEntry(path: "/", access: .read, runtime: false)]) }
        #expect(throws: ViewError.self) { try build([ViewEntry(path: "/proc/1", access: .read, runtime: false)]) }
        #expect(throws: ViewError.self) { try build([ViewEntry(path: "relative", access: .read, runtime: false)]) }
    }

    @Test func symlinkIsRecreatedAndItsTargetBound() throws {
        let s = Scratch()
        s.dir("real/lib")
        s.link("lib", to: "real/lib")
        let p = try build([ViewEntry(path: s.path("lib"), access: .execute, runtime: false)])
        #expect(p.steps.contains { $0.op == .symlink && $0.path == ViewBuilder.newRoot + s.path("lib") && $0.src == "real/lib" })
        #expect(bindTargets(p).contains(s.path("real/lib")))
    }

    @Test func deniedPathsInsideTheViewAreMaskedAndOthersIgnored() throws {
        let s = Scratch()
        s.file("etc/shadow", "secret")
        s.dir("etc/ssh")
        s.file("elsewhere/key", "k")
        let p = try build([ViewEntry(path: s.path("etc"), access: .read, runtime: false)],
                          deny: [s.path("etc/shadow"), s.path("etc/ssh"), s.path("etc/missing"), s.path("elsewhere/key")])
        let masks = p.steps.filter { $0.name.hasPrefix("mask ") && $0.op == .mount }
        #expect(masks.count == 2)
        #expect(masks.contains { $0.path == ViewBuilder.newRoot + s.path("etc/shadow") && $0.src == ViewBuilder.emptyFile })
        #expect(masks.contains { $0.path == ViewBuilder.newRoot + s.path("etc/ssh") && $0.fstype == "tmpfs" })
        // Masks come after every bind, so nothing re-exposes them.
        let lastBind = try #require(p.steps.lastIndex { $0.op == .moveMount })
        let firstMask = try #require(p.steps.firstIndex { $0.name.hasPrefix("mask ") })
        #expect(lastBind < firstMask)
    }

    @Test func anAllowedPathInsideADeniedOneIsNotBound() throws {
        let s = Scratch()
        s.dir("home/u/.ssh/keys")
        let p = try build([ViewEntry(path: s.path("home/u/.ssh/keys"), access: .read, runtime: false)],
                          deny: [s.path("home/u/.ssh")])
        #expect(bindTargets(p).isEmpty)
        #expect(p.notes.contains { $0.contains("inside the denied") })
    }

    @Test func runtimePathsCoveredByABroaderEntryAddNoMount() throws {
        let s = Scratch()
        s.file("usr/bin/python3", "x", mode: 0o755)
        let p = try build([ViewEntry(path: s.path("usr"), access: .execute, runtime: false),
                           ViewEntry(path: s.path("usr/bin/python3"), access: .execute, runtime: true)])
        #expect(bindTargets(p) == [s.path("usr")])
    }

    @Test func newRootIsReadOnlyAndTheHostRootDetached() throws {
        let p = try build([])
        let names = p.steps.map(\.name)
        #expect(names.suffix(6) == ["make the new root read-only", "detach the host root", "enter the new root",
                                    "pivot_root into the new root", "detach the staging root", "chdir /"])
    }
}

@Suite struct EnvironmentAndRightsTests {
    @Test func onlyKeptAndSetVariablesReachTheServer() {
        let env = ["PATH": "/bin", "AWS_SECRET_ACCESS_KEY": "x", "LANG": "C", "FOO": "1"]
        let out = EnvironmentScrubber.build(keep: ["PATH", "LANG", "MISSING"], set: ["HOME": "/tmp"],
                                            extra: ["FOO", "BAR=2"], from: env)
        #expect(out == ["PATH": "/bin", "LANG": "C", "HOME": "/tmp", "FOO": "1", "BAR": "2"])
        #expect(EnvironmentScrubber.build(keep: [], set: [:], extra: [], from: env)["PATH"] == EnvironmentScrubber.fallbackPath)
        #expect(!EnvironmentScrubber.isValidName("A-B"))
        #expect(!EnvironmentScrubber.isValidName("1A"))
        #expect(EnvironmentScrubber.isValidName("_A1"))
    }

    @Test func landlockHandlesEverythingTheABIKnows() {
        let none = LandlockRights(abi: 0, handleNetwork: true)
        #expect(none.handledFS == 0 && none.handledNet == 0 && none.scoped == 0)
        let v1 = LandlockRights(abi: 1, handleNetwork: true)
        #expect(v1.handledFS == (1 << 13) - 1 && v1.handledNet == 0)
        let v7 = LandlockRights(abi: 7, handleNetwork: true)
        #expect(v7.handledFS == (1 << 16) - 1)
        #expect(v7.handledNet == LandlockRights.bindTCP | LandlockRights.connectTCP)
        #expect(v7.scoped == LandlockRights.scopeAbstractUnix | LandlockRights.scopeSignal)
        #expect(LandlockRights(abi: 7, handleNetwork: false).handledNet == 0)
        // Device nodes can never be created through a write grant.
        #expect(LandlockRights.readWrite & (LandlockRights.makeChar | LandlockRights.makeBlock) == 0)
    }

    @Test func exitStatusIsTheCodeOr128PlusTheSignal() {
        #expect(RunningSandbox.exitStatus(7 << 8) == 7)
        #expect(RunningSandbox.exitStatus(Int32(SIGTERM)) == 143)
        #expect(RunningSandbox.exitStatus(Int32(SIGKILL) | 0x80) == 137) // core dumped flag
    }

    @Test func everyStepOpMapsToTheMatchingCConstant() {
        // The C enum starts at 1 and the Swift cases mirror it; the explicit mapping must agree.
        var n: Int32 = 1
        while let op = PlanStep.Op(rawValue: n) {
            #expect(Int32(CPlanStorage.cOp(op).rawValue) == n)
            n += 1
        }
        #expect(n > 30)
    }
}

@Suite struct PlanBuilderTests {
    func profile() -> Profile {
        var p = Profile()
        p.environment.filesystem.execute = ["/usr", "/bin", "/lib", "/lib64"]
        p.environment.filesystem.write = ["/tmp"]
        return p
    }

    @Test func stepsEndWithCapsDroppedThenSeccompThenExec() throws {
        let plan = try PlanBuilder.build(LaunchRequest(profile: profile(), command: ["true"], workspace: "/tmp", seccomp: true),
                                         audit: AuditLog(fd: nil), landlockABI: 7)
        let ops = plan.steps.map(\.op)
        #expect(Array(ops.suffix(5)) == [.securebits, .dropCaps, .receiveSeccomp, .seccomp, .exec])
        #expect(ops.first == .pdeathsig)
        let fork = try #require(ops.firstIndex(of: .forkInit))
        let nnp = try #require(ops.firstIndex(of: .noNewPrivs))
        let landlock = try #require(ops.firstIndex(of: .landlockEnforce))
        #expect(fork < nnp && nnp < landlock)
        #expect(plan.execPath == "/usr/bin/true" || plan.execPath == "/bin/true")
        // network: none: the child creates the namespace itself (started before the view, joined before
        // the init starts the server); ipc, uts and cgroup, which a profile may leave out, are unshared
        // first thing, since the child is cloned (before main) into user, mount and pid only.
        #expect(plan.steps.first { $0.op == .unshare }?.arg == CloneFlag.newipc | CloneFlag.newuts | CloneFlag.newcgroup)
        #expect(ops.firstIndex(of: .unshare) == 1)
        #expect(plan.steps[1].name == "create the ipc, uts and cgroup namespaces")
        #expect(UInt64(CONTAIN_CLONE_NAMESPACES) == CloneFlag.newuser | CloneFlag.newns | CloneFlag.newpid)
        let start = try #require(ops.firstIndex(of: .netnsStart))
        let join = try #require(ops.firstIndex(of: .netnsJoin))
        let wait = try #require(ops.firstIndex(of: .waitParent))
        #expect(start < wait && join < fork)
    }

    @Test func missingLandlockIsRefusedUnlessBestEffort() throws {
        #expect(throws: PlanError.self) {
            try PlanBuilder.build(LaunchRequest(profile: profile(), command: ["true"], workspace: "/tmp", seccomp: true),
                                  audit: AuditLog(fd: nil), landlockABI: 0)
        }
        var p = profile()
        p.bestEffort = true
        let log = AuditLog(fd: nil)
        let plan = try PlanBuilder.build(LaunchRequest(profile: p, command: ["true"], workspace: "/tmp", seccomp: true),
                                         audit: log, landlockABI: 0)
        #expect(!plan.steps.contains { $0.op == .landlockCreate })
        #expect(log.notes.contains { $0.hasPrefix("landlock: not available") })
    }

    @Test func hostNetworkKeepsTheNetNamespaceOffAndSaysSo() throws {
        var p = profile()
        p.environment.network = .host
        let log = AuditLog(fd: nil)
        let plan = try PlanBuilder.build(LaunchRequest(profile: p, command: ["true"], workspace: "/tmp", seccomp: false),
                                         audit: log, landlockABI: 7)
        #expect(!plan.steps.contains { $0.op == .netnsStart || $0.op == .netnsJoin })
        #expect(log.notes.contains { $0.contains("network: host") })
    }

    @Test func namespacesLeftOutOfTheProfileAreNotCreated() throws {
        var p = profile()
        p.environment.network = .host
        p.environment.namespaces = [.user, .mount, .pid, .uts]
        let plan = try PlanBuilder.build(LaunchRequest(profile: p, command: ["true"], workspace: "/tmp", seccomp: false),
                                         audit: AuditLog(fd: nil), landlockABI: 7)
        let unshare = plan.steps.filter { $0.op == .unshare }
        #expect(unshare.count == 1 && unshare.first?.arg == CloneFlag.newuts)
        #expect(unshare.first?.name == "create the uts namespace")
        p.environment.namespaces = [.user, .mount, .pid]
        let bare = try PlanBuilder.build(LaunchRequest(profile: p, command: ["true"], workspace: "/tmp", seccomp: false),
                                         audit: AuditLog(fd: nil), landlockABI: 7)
        #expect(!bare.steps.contains { $0.op == .unshare })
    }

    @Test func missingCommandIs127AndNoCommandIsRefused() {
        do {
            _ = try PlanBuilder.build(LaunchRequest(profile: profile(), command: ["no-such-cmd-contain"], workspace: "/tmp", seccomp: true),
                                      audit: AuditLog(fd: nil), landlockABI: 7)
            Issue.record("expected an error")
        } catch {
            #expect(error.exitStatus == 127)
        }
        #expect(throws: PlanError.self) {
            try PlanBuilder.build(LaunchRequest(profile: profile(), command: [], workspace: "/tmp", seccomp: true),
                                  audit: AuditLog(fd: nil), landlockABI: 7)
        }
    }
}

/// The launcher against the real kernel (no seccomp filter here; the integration tests run the full wall).
@Suite struct LauncherTests {
    func plan(_ command: [String], extraRead: [String] = []) throws -> SandboxPlan {
        var p = Profile()
        p.environment.filesystem.execute = ["/usr", "/bin", "/lib", "/lib64"]
        p.environment.filesystem.read = extraRead
        p.environment.filesystem.write = ["/tmp"]
        return try PlanBuilder.build(LaunchRequest(profile: p, command: command, workspace: "/tmp", seccomp: false),
                                     audit: AuditLog(fd: nil))
    }

    @Test func theServersExitStatusComesBack() throws {
        let sandbox = try Launcher.launch(try plan(["/bin/sh", "-c", "exit 3"]), seccomp: nil) { _, _ in }
        #expect(RunningSandbox.exitStatus(sandbox.waitForExit()) == 3)
    }

    @Test func theServerRunsAsUIDZeroInItsOwnPidNamespaceWithNoCapabilities() throws {
        // A child of the init, which is pid 1 (pid 2 went to the network namespace helper); no capabilities
        // at all; no_new_privs set. Any deviation exits non-zero.
        let script = "[ \"$PPID\" = 1 ] && [ $$ -gt 1 ] && [ \"$(id -u)\" = 0 ] && grep -q '^CapEff:\t0000000000000000' /proc/self/status && grep -q '^NoNewPrivs:\t1' /proc/self/status"
        let sandbox = try Launcher.launch(try plan(["/bin/sh", "-c", script]), seccomp: nil) { _, _ in }
        #expect(RunningSandbox.exitStatus(sandbox.waitForExit()) == 0)
    }

    @Test func aFailedStepIsNamedAndExitsWith125() throws {
        // A path longer than PATH_MAX: stat fails for a reason other than "missing", so the bind is
        // attempted and the kernel's answer is reported under the step's name.
        let long = "/" + String(repeating: "a/", count: 2100) + "b"
        let p = try plan(["/bin/true"], extraRead: [long])
        do {
            _ = try Launcher.launch(p, seccomp: nil) { _, _ in }
            Issue.record("the launch should have failed")
        } catch {
            #expect(error.exitStatus == 125)
            #expect(error.message.hasPrefix("contain: setup step \"bind \(long)\" failed: ENAMETOOLONG"))
        }
    }

    @Test func anExecFailureIs126() throws {
        let s = Scratch()
        s.file("noexec.sh", "#!/nonexistent-interpreter\n", mode: 0o755)
        let p = try plan([s.path("noexec.sh")], extraRead: [s.root])
        do {
            _ = try Launcher.launch(p, seccomp: nil) { _, _ in }
            Issue.record("the launch should have failed")
        } catch {
            // The script is in a read-only, noexec bind (a `read` path): execve refuses with EACCES.
            #expect(error.exitStatus == 126)
            #expect(error.message.contains("cannot execute"))
        }
    }
}
