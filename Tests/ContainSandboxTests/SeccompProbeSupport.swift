// Runs raw syscalls in a forked child under a compiled seccomp program (csrc/CSeccomp/shim.h
// contain_probe_spawn): the real kernel, the real filter, optionally the real NotifyListener.

import CSeccomp
import ContainAudit
import ContainProfile
@testable import ContainSandbox
#if canImport(Glibc)
import Glibc
#endif

struct ProbeCall {
    var nr: Int
    var args: [UInt64] = []
    /// i386 `int $0x80` instead of the native syscall instruction.
    var int80 = false
    var repeatCount = 1
    init(_ nr: Int, _ args: UInt64...) { self.nr = nr; self.args = args }
    init(int80 nr: Int, _ args: UInt64...) { self.nr = nr; self.args = args; self.int80 = true }
    init(raw nr: Int, _ args: [UInt64]) { self.nr = nr; self.args = args }
}

struct ProbeOutcome {
    var returns: [Int] = []
    var errnos: [Int32] = []
    var completed = 0
    var signal: Int32?
    var exitCode: Int32?
    var installed: Int32 = 0
}

/// Keeps C strings alive at a fixed address so the child (a copy of this address space) can pass them.
final class ProbeStrings {
    private var pointers: [UnsafeMutablePointer<CChar>] = []
    func address(_ s: String) -> UInt64 {
        let p = strdup(s)!
        pointers.append(p)
        return UInt64(UInt(bitPattern: p))
    }
    /// Raw bytes (a sockaddr) at a fixed address.
    func address(bytes: [UInt8]) -> UInt64 {
        let p = malloc(max(bytes.count, 1))!.assumingMemoryBound(to: CChar.self)
        for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
        pointers.append(p)
        return UInt64(UInt(bitPattern: p))
    }
    deinit { pointers.forEach { free($0) } }
}

enum SeccompProbe {
    /// Compiles `policy`, runs `calls` under it. With `audit`, a NotifyListener answers USER_NOTIF.
    static func run(_ policy: SyscallPolicy, mode: SeccompMode = .enforce, _ calls: [ProbeCall],
                    audit: AuditLog? = nil, network: NetworkAllowlist? = nil) throws -> ProbeOutcome {
        let program = try SeccompCompiler.compile(policy, mode: mode,
                                                  network: network.map { .allow($0.destinations) } ?? .none)
        return try run(program: program, policy: policy, mode: mode, calls, audit: audit, network: network)
    }

    /// An argument that stands for call `k`'s return value (an fd the child opened).
    static func resultOf(_ k: Int) -> UInt64 { 0xC0DE_0000_0000_0000 | UInt64(k) }

    static func run(program: SeccompProgram, policy: SyscallPolicy, mode: SeccompMode, _ calls: [ProbeCall],
                    audit: AuditLog?, network: NetworkAllowlist? = nil) throws -> ProbeOutcome {
        precondition(calls.count <= Int(CONTAIN_PROBE_MAX_CALLS))
        guard let shared = contain_probe_shared_alloc() else { throw ProbeError.setup("mmap") }
        defer { contain_probe_shared_free(shared) }
        var cCalls = calls.map { c -> contain_probe_call in
            var cc = contain_probe_call()
            cc.nr = c.nr
            cc.mode = c.int80 ? 1 : 0
            cc.repeat = c.repeatCount
            withUnsafeMutableBytes(of: &cc.args) { raw in
                let a = raw.bindMemory(to: UInt.self)
                for (i, v) in c.args.enumerated() where i < 6 { a[i] = UInt(v) }
            }
            return cc
        }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw ProbeError.setup("pipe") }
        let pid = program.bytes.withUnsafeBytes { prog in
            cCalls.withUnsafeMutableBufferPointer { cb in
                contain_probe_spawn(prog.baseAddress, UInt16(program.bytes.count / 8), audit != nil ? 1 : 0,
                                    cb.baseAddress, Int32(cb.count), shared, pipeFDs[1])
            }
        }
        close(pipeFDs[1])
        guard pid > 0 else { close(pipeFDs[0]); throw ProbeError.setup("fork \(pid)") }
        var byte: UInt8 = 0
        var n: Int
        repeat { n = read(pipeFDs[0], &byte, 1) } while n < 0 && errno == EINTR
        close(pipeFDs[0])

        var listener: NotifyListener?
        if n == 1, let audit {
            let fd = try SeccompListenerFD.take(pid: pid, fd: shared.pointee.listener_fd)
            let l = NotifyListener(fd: fd, policy: policy, mode: mode, audit: audit, inFlight: InFlightCalls(), network: network)
            l.start()
            listener = l
        }
        let status = contain_probe_wait(pid)
        listener?.stop()
        var out = ProbeOutcome()
        out.installed = shared.pointee.installed
        out.completed = Int(shared.pointee.completed)
        withUnsafeBytes(of: shared.pointee.ret) { raw in
            out.returns = Array(raw.bindMemory(to: Int.self).prefix(out.completed))
        }
        withUnsafeBytes(of: shared.pointee.err) { raw in
            out.errnos = Array(raw.bindMemory(to: Int32.self).prefix(out.completed))
        }
        if status >= 0 {
            if contain_wifsignaled(status) != 0 { out.signal = contain_wtermsig(status) }
            if contain_wifexited(status) != 0 { out.exitCode = contain_wexitstatus(status) }
        }
        return out
    }
}

enum ProbeError: Error { case setup(String) }

/// x86_64 syscall numbers the tests use.
enum NR {
    static let read = 0, write = 1, close = 3, ioctl = 16, getpid = 39, socket = 41, clone = 56,
               mkdir = 83, sendto = 44, dup2 = 33, chmod = 90, fchmod = 91, getppid = 110, mknod = 133, personality = 135,
               prctl = 157, mount = 165, setns = 308, unshare = 272, getpriority = 140, clone3 = 435,
               ioUringSetup = 425, fchmodat2 = 452, uname = 63, kexecLoad = 246, connect = 42
    static let x32Bit = 0x4000_0000
    static let i386Getpid = 20
}

extension SyscallPolicy {
    /// A default-deny policy allowing exactly `names` (the probe child needs nothing else).
    static func allowing(_ names: [String], report: Bool = false) -> SyscallPolicy {
        var p = SyscallPolicy()
        p.defaultAction = .errno(1)
        p.allow = names
        p.report = report
        return p
    }
}

func readWholeFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}
