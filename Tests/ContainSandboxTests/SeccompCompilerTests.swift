// The compiled filter against the real kernel: each test loads a program into a forked child, makes the
// calls an attacker would, and checks what the kernel answered. Refused calls are told apart from calls
// that reached the kernel by choosing arguments the kernel itself would reject differently (EBADF, EINVAL,
// ENOENT), so a filter that lets a call through cannot pass as one that refused it.

import Testing
import ContainProfile
@testable import ContainSandbox

let EPERM: Int32 = 1, ENOENT: Int32 = 2, EBADF: Int32 = 9, EINVAL: Int32 = 22, EFAULT: Int32 = 14,
    ENOSYS: Int32 = 38, EACCES: Int32 = 13, EAFNOSUPPORT: Int32 = 97, SIGSYS: Int32 = 31

@Suite(.serialized) struct SeccompCompilerTests {
    let common = ["ioctl", "clone", "clone3", "unshare", "setns", "socket", "personality", "prctl", "chmod",
                  "fchmod", "fchmodat2", "mknod", "io_uring_setup", "getpid", "getpriority", "close"]

    @Test func exportsARealProgramWithTheBinaryTree() throws {
        let p = try SeccompCompiler.compile(.allowing(common), mode: .enforce)
        #expect(p.bytes.count == p.instructionCount * 8)
        #expect(p.instructionCount > 20)
        #expect(!p.usesNotify)
        let reported = try SeccompCompiler.compile(.allowing(common, report: true), mode: .enforce)
        #expect(reported.usesNotify)
    }

    @Test func ttyInjectionIsRefusedWhateverTheHighBits() throws {
        let o = try SeccompProbe.run(.allowing(common), [
            ProbeCall(NR.ioctl, 0, 0x5412, 0),               // TIOCSTI
            ProbeCall(NR.ioctl, 0, 0x1_0000_5412, 0),        // attacker sets the high bits the kernel drops
            ProbeCall(NR.ioctl, 0, 0xffff_ffff_0000_541C, 0),// TIOCLINUX with high bits
            ProbeCall(NR.ioctl, 9999, 0x5401, 0),            // TCGETS on a bad fd: reaches the kernel
            ProbeCall(NR.ioctl, 9999, 0x5413, 0),            // TIOCGWINSZ likewise
        ])
        #expect(o.completed == 5)
        #expect(o.errnos == [EPERM, EPERM, EPERM, EBADF, EBADF])
    }

    @Test func namespaceCreationIsRefusedAndClone3AnswersENOSYS() throws {
        let newUser: UInt64 = 0x1000_0000, thread: UInt64 = 0x0001_0000
        let o = try SeccompProbe.run(.allowing(common), [
            // CLONE_NEWUSER|CLONE_THREAD is EINVAL in the kernel: EPERM proves the filter answered.
            ProbeCall(NR.clone, newUser | thread, 0, 0, 0, 0),
            ProbeCall(NR.clone, 0x4000_0000 | thread, 0, 0, 0, 0),   // CLONE_NEWNET
            ProbeCall(NR.clone, thread, 0, 0, 0, 0),                  // no namespace flag: kernel says EINVAL
            ProbeCall(NR.unshare, newUser),
            ProbeCall(NR.unshare, 0x80),                              // CLONE_NEWTIME
            ProbeCall(NR.unshare, 0),                                 // allowed, succeeds
            ProbeCall(NR.clone3, 0, 0),
            ProbeCall(NR.setns, 9999, 0),
        ])
        #expect(o.errnos == [EPERM, EPERM, EINVAL, EPERM, EPERM, 0, ENOSYS, EPERM])
    }

    @Test func namespacesAllowedWhenTheProfileSaysSo() throws {
        var p = SyscallPolicy.allowing(common)
        p.allowNamespaceCreation = true
        let o = try SeccompProbe.run(p, [ProbeCall(NR.clone, 0x1000_0000 | 0x0001_0000, 0, 0, 0, 0), ProbeCall(NR.setns, 9999, 0)])
        #expect(o.errnos == [EINVAL, EBADF])
    }

    @Test func socketFamiliesAndRawSockets() throws {
        let o = try SeccompProbe.run(.allowing(common), [
            ProbeCall(NR.socket, 17, 3, 0),              // AF_PACKET, SOCK_RAW
            ProbeCall(NR.socket, 40, 1, 0),              // AF_VSOCK
            ProbeCall(NR.socket, 16, 3, 0),              // AF_NETLINK
            ProbeCall(NR.socket, 2, 3, 1),               // AF_INET, SOCK_RAW, ICMP (root could open it)
            ProbeCall(NR.socket, 2, 3 | 0o2000000, 1),   // ... with SOCK_CLOEXEC
            ProbeCall(NR.socket, 0x1_0000_0011, 3, 0),   // AF_PACKET with high bits
            ProbeCall(NR.socket, 1, 1, 0),               // AF_UNIX stream: allowed
            ProbeCall(NR.socket, 2, 1 | 0o4000, 0),      // AF_INET stream, nonblocking: allowed
        ])
        #expect(Array(o.errnos.prefix(6)) == [EAFNOSUPPORT, EAFNOSUPPORT, EAFNOSUPPORT, EPERM, EPERM, EAFNOSUPPORT])
        #expect(o.returns[6] >= 0 && o.returns[7] >= 0)
    }

    @Test func netlinkWhenListed() throws {
        var p = SyscallPolicy.allowing(common)
        p.socketFamilies = ["unix", "netlink"]
        let o = try SeccompProbe.run(p, [ProbeCall(NR.socket, 16, 3, 0), ProbeCall(NR.socket, 2, 1, 0)])
        #expect(o.returns[0] >= 0)
        #expect(o.errnos[1] == EAFNOSUPPORT)
    }

    @Test func personalityPrctlIoUring() throws {
        let o = try SeccompProbe.run(.allowing(common), [
            ProbeCall(NR.personality, 0xffff_ffff),   // query: allowed
            ProbeCall(NR.personality, 0x0040_0000),   // READ_IMPLIES_EXEC
            ProbeCall(NR.personality, 0x0004_0000),   // ADDR_NO_RANDOMIZE
            ProbeCall(NR.prctl, 35, 0, 0, 0, 0),      // PR_SET_MM
            ProbeCall(NR.prctl, 0x5961_6d61, 0, 0, 0, 0), // PR_SET_PTRACER
            ProbeCall(NR.prctl, 3, 0, 0, 0, 0),       // PR_GET_DUMPABLE: allowed
            ProbeCall(NR.ioUringSetup, 1, 0),         // in the allow list, still refused
        ])
        #expect(o.returns[0] >= 0)
        #expect(o.errnos[1...4] == [EPERM, EPERM, EPERM, EPERM])
        #expect(o.returns[5] >= 0)
        #expect(o.errnos[6] == EPERM)

        var p = SyscallPolicy.allowing(common)
        p.allowIOUring = true
        let u = try SeccompProbe.run(p, [ProbeCall(NR.ioUringSetup, 1, 0)])
        #expect(u.errnos == [EFAULT])
    }

    @Test func setuidBitsAndDeviceNodes() throws {
        let s = ProbeStrings()
        let missing = s.address("/nonexistent-contain-test/x")
        let o = try SeccompProbe.run(.allowing(common), [
            ProbeCall(NR.chmod, missing, 0o4755),
            ProbeCall(NR.chmod, missing, 0o2755),
            ProbeCall(NR.chmod, missing, 0o755),                 // kernel: ENOENT
            ProbeCall(NR.fchmod, 9999, 0o6755),
            ProbeCall(NR.fchmod, 9999, 0o644),                   // kernel: EBADF
            ProbeCall(NR.fchmodat2, 0xffff_ff9c, missing, 0o4755, 0),
            ProbeCall(NR.mknod, missing, 0o020600, 0x0501),      // char device
            ProbeCall(NR.mknod, missing, 0o060600, 0x0801),      // block device
            ProbeCall(NR.mknod, missing, 0o010600, 0),           // FIFO: kernel ENOENT
        ])
        #expect(o.errnos == [EPERM, EPERM, ENOENT, EPERM, EBADF, EPERM, EPERM, EPERM, ENOENT])
    }

    @Test func foreignArchitecturesAreKilled() throws {
        let x32 = try SeccompProbe.run(.allowing(common), [ProbeCall(raw: NR.getpid | NR.x32Bit, [])])
        #expect(x32.signal == SIGSYS)
        #expect(x32.completed == 0)
        let i386 = try SeccompProbe.run(.allowing(common), [ProbeCall(int80: NR.i386Getpid)])
        #expect(i386.signal == SIGSYS)
        // The same calls on the native ABI are fine: the kill is about the architecture.
        let native = try SeccompProbe.run(.allowing(common), [ProbeCall(NR.getpid)])
        #expect(native.signal == nil && native.returns.first ?? 0 > 0)
    }

    @Test func defaultDenyUsesTheProfileErrnoAndKillListKills() throws {
        var p = SyscallPolicy.allowing(common)
        p.defaultAction = .errno(EACCES)
        p.rules = [SyscallRule(id: "no-kexec", syscall: "kexec_load", action: .kill)]
        let o = try SeccompProbe.run(p, [ProbeCall(NR.getppid), ProbeCall(NR.kexecLoad, 0, 0, 0, 0)])
        #expect(o.errnos.first == EACCES)
        #expect(o.signal == SIGSYS)
        #expect(o.completed == 1)
    }

    @Test func profileArgumentRulesRefineAnAllowedSyscall() throws {
        var p = SyscallPolicy.allowing(common)
        p.rules = [SyscallRule(id: "who-5", syscall: "getpriority", action: .errno(EACCES),
                               args: [ArgCondition(index: 1, op: .eq, value: 5)])]
        // getpriority(PRIO_PROCESS, 5): refused by the rule; (PRIO_PROCESS, 0): reaches the kernel.
        let o = try SeccompProbe.run(p, [ProbeCall(NR.getpriority, 0, 5), ProbeCall(NR.getpriority, 0, 0)])
        #expect(o.errnos[0] == EACCES)
        #expect(o.errnos[1] == 0)
    }

    @Test func rangeComparisonsUseAll64Bits() throws {
        var p = SyscallPolicy.allowing(common)
        p.rules = [SyscallRule(id: "big", syscall: "getpriority", action: .errno(EACCES),
                               args: [ArgCondition(index: 1, op: .gt, value: 0x1_0000_0000)]),
                   SyscallRule(id: "small", syscall: "getpriority", action: .errno(ENOENT),
                               args: [ArgCondition(index: 1, op: .lt, value: 3)])]
        let o = try SeccompProbe.run(p, [
            ProbeCall(NR.getpriority, 0, 0x2_0000_0000),   // > : refused
            ProbeCall(NR.getpriority, 0, 0x1_0000_0001),   // > by one in the low word: refused
            ProbeCall(NR.getpriority, 0, 0x1_0000_0000),   // equal: reaches the kernel (who truncates to 0: self)
            ProbeCall(NR.getpriority, 0, 0xffff_ffff),     // high word smaller: reaches the kernel (who -1: ESRCH)
            ProbeCall(NR.getpriority, 0, 2),               // < 3: refused by the second rule
            ProbeCall(NR.getpriority, 0, 0),               // < 3 as well
        ])
        #expect(o.errnos == [EACCES, EACCES, 0, 3, ENOENT, ENOENT])
    }

    @Test func exitIsAlwaysAllowed() throws {
        // A profile that lists nothing: exit(7) must still end the thread (here: the process) with 7.
        let o = try SeccompProbe.run(.allowing([]), [ProbeCall(60, 7), ProbeCall(NR.getppid)])
        #expect(o.exitCode == 7)
        #expect(o.completed == 0)
    }

    @Test func killByDefaultStillLetsThreadsStart() throws {
        var p = SyscallPolicy.allowing(common)
        p.defaultAction = .kill
        // clone3 is answered ENOSYS (libc then uses clone) instead of killing every pthread_create.
        let o = try SeccompProbe.run(p, [ProbeCall(NR.clone3, 0, 0), ProbeCall(NR.getppid)])
        #expect(o.errnos.first == ENOSYS)
        #expect(o.signal == SIGSYS && o.completed == 1)
    }

    @Test func denylistModeStillAppliesTheHardening() throws {
        var p = SyscallPolicy()
        p.defaultAction = .allow
        p.report = false
        p.rules = [SyscallRule(id: "no-mount", syscall: "mount", action: .errno(EACCES))]
        let o = try SeccompProbe.run(p, [
            ProbeCall(NR.mount, 0, 0, 0, 0, 0),
            ProbeCall(NR.socket, 17, 3, 0),
            ProbeCall(NR.ioctl, 0, 0x1_0000_5412, 0),
            ProbeCall(NR.clone, 0x1000_0000 | 0x0001_0000, 0, 0, 0, 0),
            ProbeCall(NR.getppid),
        ])
        #expect(o.errnos == [EACCES, EAFNOSUPPORT, EPERM, EPERM, 0])
        let x32 = try SeccompProbe.run(p, [ProbeCall(raw: NR.getpid | NR.x32Bit, [])])
        #expect(x32.signal == SIGSYS)
    }

    @Test func unknownNamesFailClosed() throws {
        var p = SyscallPolicy.allowing(["no_such_call"])
        #expect(throws: Never.self) { try SeccompCompiler.compile(p, mode: .enforce) } // not allowed = default
        p.defaultAction = .allow
        p.rules = [SyscallRule(id: "x", syscall: "no_such_call", action: .errno(1))]
        #expect(throws: SeccompError.unknownSyscall("no_such_call")) { try SeccompCompiler.compile(p, mode: .enforce) }
        var q = SyscallPolicy.allowing(common)
        q.socketFamilies = ["unix", "carrier-pigeon"]
        #expect(throws: SeccompError.unknownSocketFamily("carrier-pigeon")) { try SeccompCompiler.compile(q, mode: .enforce) }
    }
}

@Suite struct SeccompConditionAlgebraTests {
    /// ¬(x & m == v) must hold exactly where the original does not, for values around every mask bit.
    @Test func maskedNegationIsAnExactComplement() {
        let cases: [(UInt64, UInt64)] = [(0xffff_ffff, 0x5412), (0o6000, 0), (0x7e02_0000, 0), (0xf, 3), (.max, 42)]
        for (m, v) in cases {
            let c = ArgComparison.masked(m, v)
            let neg = c.negated()
            var samples: [UInt64] = [0, v, v | 1 << 40, ~v, .max, 0x1_0000_5412, 0x5413, 0o4755, 0o755]
            for b in 0..<64 { samples.append(v ^ (1 << UInt64(b))) }
            for x in samples {
                let inNeg = neg.filter { $0.holds(x) }.count
                #expect(inNeg == (c.holds(x) ? 0 : 1), "mask \(m) value \(v) x \(x)")
            }
        }
    }

    @Test func rangesBecomeExactBlocks() {
        let cases: [ClosedRange<UInt64>] = [3...0x1_0000_0000, 0...0, 5...5, 0...41, 1...(UInt64.max - 1), 0x8000...0xffff]
        for r in cases {
            let blocks = ArgComparison.rangeBlocks(r)
            #expect(blocks.count <= 128)
            var samples: [UInt64] = [0, 1, 2, 3, 4, 5, 6, 41, 42, 0x7fff, 0x8000, 0xffff, 0x1_0000, 0xffff_ffff,
                                     0x1_0000_0000, 0x1_0000_0001, .max - 1, .max]
            samples += [r.lowerBound, r.upperBound, r.lowerBound &- 1, r.upperBound &+ 1]
            for x in samples {
                #expect(blocks.filter { $0.holds(x) }.count == (r.contains(x) ? 1 : 0), "range \(r) x \(x)")
            }
        }
    }

    @Test func regionSubtractionKeepsEverythingButTheRefusedValues() throws {
        var r = ConditionRegion.everything
        for v: UInt32 in [0x5412, 0x541C] { r = try r.subtracting(try ConditionTerm([(1, .eq32(v))]), syscall: "ioctl") }
        #expect(r.terms.count < 64)
        for x: UInt64 in [0x5412, 0x541C, 0x1_0000_5412, 0xdead_0000_541C] { #expect(!r.holds([0, x])) }
        for x: UInt64 in [0, 0x5401, 0x5413, 0x541D, 0x1_0000_5401, .max] { #expect(r.holds([0, x])) }
    }
}

/// The shipped profiles compile, fit the kernel's limit, and hold the hardening under their real allow lists.
@Suite(.serialized) struct SeccompShippedProfileTests {
    static let repo: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3) // Tests/ContainSandboxTests/<file>
        return parts.joined(separator: "/")
    }()

    static func shipped() -> [String] {
        ["base", "strict"].map { "\(repo)/profiles/\($0).yaml" }
    }

    @Test(arguments: shipped()) func compilesAndStaysSmall(path: String) throws {
        let profile = try ProfileLoader(variables: .current(workspace: "/tmp")).load(path)
        for mode in [SeccompMode.enforce, .observe] {
            let p = try SeccompCompiler.compile(profile.environment.syscalls, mode: mode)
            #expect(p.instructionCount < 1024, "\(path) \(mode): \(p.instructionCount) instructions")
            #expect(p.usesNotify)
        }
    }

    @Test(arguments: shipped()) func hardeningHoldsUnderTheShippedAllowList(path: String) throws {
        var policy = try ProfileLoader(variables: .current(workspace: "/tmp")).load(path).environment.syscalls
        policy.report = false // answered in the filter: no listener needed for the probe
        let o = try SeccompProbe.run(policy, [
            ProbeCall(NR.ioctl, 0, 0x1_0000_5412, 0),
            ProbeCall(NR.clone, 0x1000_0000 | 0x0001_0000, 0, 0, 0, 0),
            ProbeCall(NR.socket, 17, 3, 0),
            ProbeCall(NR.getppid),
        ])
        #expect(o.errnos[0] == EPERM && o.errnos[1] == EPERM && o.errnos[2] == EAFNOSUPPORT)
        #expect(o.errnos[3] == 0)
        let x32 = try SeccompProbe.run(policy, [ProbeCall(raw: NR.getpid | NR.x32Bit, [])])
        #expect(x32.signal == SIGSYS)
    }
}
