// The USER_NOTIF listener against the real kernel: a forked child runs under a reporting filter, the
// listener (on the fd taken with pidfd_getfd, as the launcher does) answers and records.

import Testing
import ContainAudit
import ContainProfile
@testable import ContainSandbox
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct SeccompNotifyListenerTests {
    let common = ["ioctl", "clone", "unshare", "socket", "getpid", "close"]

    func group(_ log: AuditLog, _ syscall: String) -> AuditGroup? { log.groups.first { $0.key.what == syscall } }
    func arg(_ g: AuditGroup?, _ key: String) -> String? { g?.example.args.first { $0.0 == key }?.1 }

    @Test func deniedCallsAreAnsweredWithTheRuleErrnoAndReportedWithDecodedArguments() throws {
        var p = SyscallPolicy.allowing(common, report: true)
        p.rules = [SyscallRule(id: "no-mount", syscall: "mount", action: .errno(EACCES))]
        let s = ProbeStrings()
        let log = AuditLog(fd: nil)
        let o = try SeccompProbe.run(p, [
            ProbeCall(NR.mkdir, s.address("/tmp/contain-never-created"), 0o755),
            ProbeCall(NR.mount, s.address("none"), s.address("/mnt/target"), s.address("tmpfs"), 0, 0),
            ProbeCall(NR.ioctl, 0, 0x1_0000_5412, 0),
            ProbeCall(NR.clone, 0x1000_0000 | 0x0002_0000 | 17, 0, 0, 0, 0),
            ProbeCall(NR.socket, 17, 3, 0),
            ProbeCall(NR.socket, 40, 1, 0),
        ], audit: log)
        #expect(o.errnos == [EPERM, EACCES, EPERM, EPERM, EAFNOSUPPORT, EAFNOSUPPORT])
        #expect(access("/tmp/contain-never-created", F_OK) != 0)

        let mkdir = group(log, "mkdir")
        #expect(mkdir?.key.rule == "syscalls.default")
        #expect(mkdir?.key.verdict == .blocked)
        #expect(arg(mkdir, "path") == "/tmp/contain-never-created")
        #expect(mkdir?.example.pid ?? 0 > 0)
        #expect(mkdir?.key.exe.isEmpty == false)

        let mount = group(log, "mount")
        #expect(mount?.key.rule == "no-mount")
        #expect(arg(mount, "source") == "none" && arg(mount, "path") == "/mnt/target" && arg(mount, "fstype") == "tmpfs")
        #expect(mount?.example.detail.contains("EACCES") == true)

        let ioctl = group(log, "ioctl")
        #expect(ioctl?.key.rule == "syscalls.tty_injection")
        #expect(arg(ioctl, "request")?.hasPrefix("TIOCSTI") == true)

        let clone = group(log, "clone")
        #expect(clone?.key.rule == "syscalls.namespaces")
        #expect(arg(clone, "flags")?.contains("CLONE_NEWUSER") == true)
        #expect(arg(clone, "flags")?.contains("CLONE_NEWNS") == true)

        let families = log.groups.filter { $0.key.what == "socket" }
        #expect(families.count == 1 && families.first?.count == 2)
        #expect(arg(families.first, "family") == "AF_PACKET")
        #expect(families.first?.key.rule == "syscalls.socket_families")
    }

    @Test func relativePathsAreResolvedAgainstTheTargetsCwd() throws {
        let s = ProbeStrings()
        let log = AuditLog(fd: nil)
        _ = try SeccompProbe.run(.allowing(common, report: true), [ProbeCall(NR.mkdir, s.address("sub/dir"), 0o700)], audit: log)
        var cwd = [UInt8](repeating: 0, count: 4096)
        let here = cwd.withUnsafeMutableBytes { b in getcwd(b.baseAddress?.assumingMemoryBound(to: CChar.self), 4096) != nil }
            ? String(decoding: cwd.prefix { $0 != 0 }, as: UTF8.self) : "?"
        #expect(arg(group(log, "mkdir"), "path") == (here == "/" ? "/sub/dir" : here + "/sub/dir"))
    }

    @Test func observeModeLetsTheCallRunAndRecordsWouldBlock() throws {
        let dir = "/tmp/contain-observe-\(getpid())"
        rmdir(dir)
        defer { rmdir(dir) }
        let s = ProbeStrings()
        let log = AuditLog(fd: nil)
        let o = try SeccompProbe.run(.allowing(common, report: true), mode: .observe,
                                     [ProbeCall(NR.mkdir, s.address(dir), 0o700)], audit: log)
        #expect(o.errnos == [0])
        #expect(access(dir, F_OK) == 0)
        let g = group(log, "mkdir")
        #expect(g?.key.verdict == .wouldBlock)
        #expect(g?.example.detail.contains("observe") == true)
    }

    @Test func aLoopOfDeniedCallsIsOneGroupAndCappedLines() throws {
        let path = "/tmp/contain-audit-\(getpid()).jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer { unlink(path) }
        let log = AuditLog(fd: fd)
        let s = ProbeStrings()
        var call = ProbeCall(NR.mount, s.address("none"), s.address("/mnt/x"), s.address("tmpfs"), 0, 0)
        call.repeatCount = 100_000
        let o = try SeccompProbe.run(.allowing(common, report: true), [call], audit: log)
        log.close()
        #expect(o.errnos == [EPERM])
        let groups = log.groups
        #expect(groups.count == 1)
        #expect(groups.first?.count == 100_000)
        let text = readWholeFile(path)
        let lines = text.split(separator: "\n")
        #expect(lines.count == AuditLog.perKeyLineLimit)
        #expect(lines.first?.contains("\"syscall\":\"mount\"") == true)
        #expect(lines.first?.contains("\"path\":\"/mnt/x\"") == true)
    }

    @Test func listenerEndsByItselfWhenTheTargetExits() throws {
        // run() returns only after stop() joined the thread; a listener that missed POLLHUP would hang here
        // only if stop() could not wake it, so check the fd is closed afterwards instead.
        let log = AuditLog(fd: nil)
        let o = try SeccompProbe.run(.allowing(common, report: true), [ProbeCall(NR.getppid)], audit: log)
        #expect(o.errnos == [EPERM])
        #expect(o.exitCode == 0)
        #expect(log.groups.count == 1)
    }
}
