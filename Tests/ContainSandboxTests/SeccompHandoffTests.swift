// The seccomp program travels to the sandbox child on a pipe, compiled while the child sets up. Against
// the real kernel: the filter the child installs is the compiled one, and every way the program can fail
// to arrive (compile error, nothing sent, a malformed or kernel-rejected program) stops the child before
// its server runs. The server in these tests would leave a marker file if it ever ran.

import Testing
import Glibc
@testable import ContainSandbox
import ContainAudit
import ContainProfile
import ContainThreads
import Synchronization

@Suite struct SeccompHandoffTests {
    func plan(_ command: [String]) throws -> SandboxPlan {
        var p = Profile()
        p.environment.filesystem.execute = ["/usr", "/bin", "/lib", "/lib64"]
        p.environment.filesystem.write = ["/tmp"]
        return try PlanBuilder.build(LaunchRequest(profile: p, command: command, workspace: "/tmp", seccomp: true),
                                     audit: AuditLog(fd: nil))
    }

    /// Everything allowed but `uname` (and what the built-in hardening refuses).
    func policyDenyingUname(report: Bool) -> SyscallPolicy {
        var p = SyscallPolicy()
        p.defaultAction = .allow
        p.rules = [SyscallRule(id: "no-uname", syscall: "uname", action: .errno(EACCES))]
        p.report = report
        return p
    }

    /// A command that creates `marker` if it runs at all.
    func markerCommand(_ marker: String) -> [String] { ["/bin/sh", "-c", "echo ran > \(marker)"] }

    func uniqueMarker() -> String { "/tmp/contain-handoff-\(getpid())-\(UInt32.random(in: 0...UInt32.max))" }

    @Test func theCompiledFilterArrivesAndIsInstalledBeforeTheServerRuns() throws {
        // Seccomp mode 2 in the server's own status, and the denied call fails: the filter is active at exec.
        let script = "grep -q '^Seccomp:\t2' /proc/self/status && ! uname >/dev/null 2>&1"
        // Not started: the launcher starts it once the child has its plan.
        let compilation = SeccompCompilation(policyDenyingUname(report: false), mode: .enforce)
        var listenerCalls = 0
        let sandbox = try Launcher.launch(try plan(["/bin/sh", "-c", script]), seccomp: compilation) { fd, _, _ in
            listenerCalls += 1
            close(fd)
        }
        #expect(RunningSandbox.exitStatus(sandbox.waitForExit()) == 0)
        #expect(listenerCalls == 0) // report: false compiles without USER_NOTIF: no listener is asked for
    }

    @Test func aReportingFilterHandsOverItsListenerAndTheListenerUsesTheCompiledPlan() throws {
        let policy = policyDenyingUname(report: true)
        let compilation = SeccompCompilation.start(policy, mode: .enforce)
        let log = AuditLog(fd: nil)
        var listener: NotifyListener?
        let sandbox = try Launcher.launch(try plan(["/bin/sh", "-c", "! uname >/dev/null 2>&1"]), seccomp: compilation) { fd, _, program in
            #expect(program.plan != nil)
            let l = NotifyListener(fd: fd, program: program, policy: policy, mode: .enforce, audit: log, inFlight: InFlightCalls())
            l.start()
            listener = l
        }
        #expect(RunningSandbox.exitStatus(sandbox.waitForExit()) == 0)
        listener?.stop()
        let uname = log.groups.first { $0.key.what == "uname" }
        #expect(uname?.key.rule == "no-uname")
    }

    @Test func withoutAListenerThreadADeniedCallFailsInsteadOfWaitingForever() throws {
        // If the listener thread cannot start, nobody reads the listener fd, and a denied call would sleep in
        // the kernel forever: the server would hang, holding the client. The listener closes the fd instead,
        // and the kernel fails the call at once (ENOSYS): still refused, never allowed.
        let policy = policyDenyingUname(report: true)
        let compilation = SeccompCompilation.start(policy, mode: .enforce)
        let log = AuditLog(fd: nil)
        var listener: NotifyListener?
        let script = "uname >/dev/null 2>&1; echo $? > /dev/null; ! uname >/dev/null 2>&1"
        let sandbox = try Launcher.launch(try plan(["/bin/sh", "-c", script]), seccomp: compilation) { fd, _, program in
            let l = NotifyListener(fd: fd, program: program, policy: policy, mode: .enforce, audit: log, inFlight: InFlightCalls())
            l.start(spawn: { _ in .failure(PthreadError(code: EAGAIN)) })
            listener = l
        }
        // A hang here is the bug: after 20 s the sandbox is killed and the test fails instead of hanging.
        final class Flag: Sendable { let value = Atomic<Bool>(false) }
        let flag = Flag()
        let watchdog = try PosixThread.spawn {
            for _ in 0..<2000 where !flag.value.load(ordering: .acquiring) { usleep(10_000) }
            if !flag.value.load(ordering: .acquiring) { sandbox.kill() }
        }.get()
        let status = RunningSandbox.exitStatus(sandbox.waitForExit())
        flag.value.store(true, ordering: .releasing)
        pthread_join(watchdog, nil)
        listener?.stop()
        #expect(status == 0, "the denied uname did not fail promptly (status \(status))")
        #expect(log.notes.contains { $0.contains("listener thread could not start (EAGAIN)") })
        #expect(log.groups.isEmpty) // nothing could be reported: no thread read the notifications
    }

    @Test func aCompileErrorKillsTheSandboxBeforeItsServerRuns() throws {
        // The attacker's hope: contain launches anyway and the server runs unfiltered. An unknown syscall
        // refused under default allow cannot be compiled (leaving it out would allow it).
        var policy = SyscallPolicy()
        policy.defaultAction = .allow
        policy.rules = [SyscallRule(id: "bad", syscall: "no_such_syscall_contain", action: .errno(EPERM))]
        let marker = uniqueMarker()
        defer { unlink(marker) }
        let p = try plan(markerCommand(marker))
        let compilation = SeccompCompilation.start(policy, mode: .enforce)
        do {
            _ = try Launcher.launch(p, seccomp: compilation) { fd, _, _ in close(fd) }
            Issue.record("the launch should have failed")
        } catch {
            #expect(error.exitStatus == 125)
            #expect(error.seccompError == .unknownSyscall("no_such_syscall_contain"))
        }
        #expect(access(marker, F_OK) != 0)
    }

    @Test func withoutAProgramTheChildStopsAtTheReceiveStep() throws {
        let marker = uniqueMarker()
        defer { unlink(marker) }
        let p = try plan(markerCommand(marker))
        do {
            _ = try Launcher.launch(p, seccomp: nil) { fd, _ in close(fd) }
            Issue.record("the launch should have failed")
        } catch {
            #expect(error.exitStatus == 125)
            #expect(error.message.hasPrefix("contain: setup step \"receive the seccomp program\" failed: EPIPE"))
        }
        #expect(access(marker, F_OK) != 0)
    }

    @Test func aMalformedProgramIsNeverSent() throws {
        let marker = uniqueMarker()
        defer { unlink(marker) }
        let p = try plan(markerCommand(marker))
        for bytes in [[UInt8](), [1, 2, 3], [UInt8](repeating: 0, count: 8 * 4097)] {
            do {
                _ = try Launcher.launch(p, seccomp: SeccompHandoff(bytes: bytes, wantListener: false)) { fd, _ in close(fd) }
                Issue.record("the launch should have failed for \(bytes.count) bytes")
            } catch {
                #expect(error.exitStatus == 125)
                #expect(error.message.contains("the seccomp program has \(bytes.count) bytes"))
            }
        }
        #expect(access(marker, F_OK) != 0)
    }

    @Test func aHeaderWithBitsThisVersionDoesNotKnowIsRefusedByTheChild() throws {
        // A parent and child that read the header differently (another version, a corrupted stream) must
        // not install a filter with an option one of them ignores: the child stops at the receive step.
        let marker = uniqueMarker()
        defer { unlink(marker) }
        let p = try plan(markerCommand(marker))
        let allowAll: [UInt8] = [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f] // ret SECCOMP_RET_ALLOW
        for bits in [(flags: UInt32(2), reserved: UInt32(0)), (flags: UInt32(0), reserved: UInt32(1))] {
            var handoff = SeccompHandoff(bytes: allowAll, wantListener: false)
            handoff.unknownHeaderBits = bits
            do {
                _ = try Launcher.launch(p, seccomp: handoff) { fd, _ in close(fd) }
                Issue.record("the launch should have failed for \(bits)")
            } catch {
                #expect(error.exitStatus == 125)
                #expect(error.message.hasPrefix("contain: setup step \"receive the seccomp program\" failed: EPROTO"), "\(error.message)")
            }
        }
        #expect(access(marker, F_OK) != 0)
        // The control: the same program with a clean header runs the server.
        let sandbox = try Launcher.launch(p, seccomp: SeccompHandoff(bytes: allowAll, wantListener: false)) { fd, _ in close(fd) }
        _ = sandbox.waitForExit()
        #expect(access(marker, F_OK) == 0)
    }

    @Test func aProgramTheKernelRejectsStopsAtTheInstallStep() throws {
        // One `ld #0` and no return: well-formed on the pipe, refused by the kernel's checker.
        let marker = uniqueMarker()
        defer { unlink(marker) }
        let p = try plan(markerCommand(marker))
        do {
            _ = try Launcher.launch(p, seccomp: SeccompHandoff(bytes: [UInt8](repeating: 0, count: 8), wantListener: false)) { fd, _ in close(fd) }
            Issue.record("the launch should have failed")
        } catch {
            #expect(error.exitStatus == 125)
            #expect(error.message.hasPrefix("contain: setup step \"install seccomp filter\" failed: EINVAL"))
        }
        #expect(access(marker, F_OK) != 0)
    }

    @Test func theThreadCompilesExactlyWhatTheCompilerDoes() throws {
        let policy = policyDenyingUname(report: true)
        let direct = try SeccompCompiler.compile(policy, mode: .enforce)
        let threaded = try SeccompCompilation.start(policy, mode: .enforce).wait().get()
        #expect(threaded.bytes == direct.bytes)
        #expect(threaded.usesNotify == direct.usesNotify)
        // Never started: wait() compiles on the caller's thread, and a later begin() starts nothing.
        let unstarted = SeccompCompilation(policy, mode: .enforce)
        let inline = try unstarted.wait().get()
        unstarted.begin()
        #expect(inline.bytes == direct.bytes)
        #expect(try unstarted.wait().get().bytes == direct.bytes)
    }
}
