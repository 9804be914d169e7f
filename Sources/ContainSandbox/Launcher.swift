// Launches the sandbox from a plan: the waiting child (cloned before main, or now), the plan and its
// descriptors on the child's socket, id maps, the go signal, the seccomp program (on a pipe, so
// it may still be compiling while the child sets up), the step reports, the seccomp listener hand-off,
// and waiting for the server's status.
//
// The launching thread must live until the sandbox exits: the child's PR_SET_PDEATHSIG fires when the
// thread that cloned it exits, not the process. `contain run` launches from the main thread, which only
// ends when contain does.
//
// The listener hand-off uses pidfd_getfd instead of SCM_RIGHTS (DESIGN.md mentions a socketpair): with
// it, the child needs nothing between installing the filter and execve but write, read and close, which
// every filter the compiler emits allows; sendmsg would have to be allowed for every server.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CContainChild

/// The compiled seccomp program, as the launcher needs it.
public struct SeccompHandoff: Sendable {
    /// `struct sock_filter[]` bytes.
    public var bytes: [UInt8]
    /// Ask for a SECCOMP_RET_USER_NOTIF listener fd.
    public var wantListener: Bool
    /// Header bits this version of contain never sets; only tests set them, to check the child refuses a
    /// header it would read differently.
    var unknownHeaderBits: (flags: UInt32, reserved: UInt32) = (0, 0)
    public init(bytes: [UInt8], wantListener: Bool) { self.bytes = bytes; self.wantListener = wantListener }
}

/// A launch that did not get to the server's execve, or an execve that failed.
public struct LaunchFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var exitStatus: Int32
    /// Set when the launch stopped because the seccomp program could not be compiled (the sandbox was
    /// killed before its server ran): callers report it as they would a compile error.
    public var seccompError: SeccompError?
    public var description: String { message }
    public init(message: String, exitStatus: Int32, seccompError: SeccompError? = nil) {
        self.message = message; self.exitStatus = exitStatus; self.seccompError = seccompError
    }
}

/// A running sandbox: pid 1 of the new pid namespace (the init) and, inside it, the server.
public final class RunningSandbox: @unchecked Sendable {
    public let initPID: pid_t
    /// A pidfd for the init (owned).
    public let pidfd: Int32
    /// The server's pid in contain's pid namespace, when it was needed (listener hand-off).
    public let serverPID: pid_t?
    private let statusFD: Int32

    init(initPID: pid_t, pidfd: Int32, serverPID: pid_t?, statusFD: Int32) {
        self.initPID = initPID; self.pidfd = pidfd; self.serverPID = serverPID; self.statusFD = statusFD
    }

    /// Blocks until the server has exited; returns its raw wait status (or the init's, if the init died
    /// without reporting, e.g. killed). Call once.
    ///
    /// Once the init has reported the server's status, this does not wait for the init to be gone. The
    /// init exits right after reporting, and the exit of pid 1 kills whatever is left in the namespace;
    /// SIGKILL here makes that certain, now, whatever the init is doing. Waiting for the init's exit to
    /// complete would only wait for the kernel to tear down the sandbox's mounts and namespaces (0.2 to
    /// 0.4 ms of every run, measured in session 5), which nothing after this needs; bubblewrap does not
    /// wait for it either. The init is reaped here if it is already gone, else by whoever adopts
    /// it when contain exits.
    public func waitForExit() -> Int32 {
        var raw: Int32 = 0
        let got = withUnsafeMutableBytes(of: &raw) { Sys.readFull(statusFD, into: $0) }
        Sys.close(statusFD)
        if case .success(4) = got {
            Sys.kill(initPID, SIGKILL)
            Sys.reapIfExited(initPID)
            Sys.close(pidfd)
            return raw
        }
        let initStatus = (try? Sys.waitpid(initPID).get()) ?? 0
        Sys.close(pidfd)
        return initStatus
    }

    /// Kills everything in the sandbox (the pid namespace dies with its init).
    public func kill() { Sys.kill(initPID, SIGKILL) }

    /// Shell-style exit status for a raw wait status: the code, or 128+N for signal N.
    public static func exitStatus(_ raw: Int32) -> Int32 {
        let sig = raw & 0x7f
        if sig == 0 { return (raw >> 8) & 0xff }
        return 128 + sig
    }
}

public enum Launcher {
    /// Starts the sandbox and returns once the server's execve succeeded. `onListener` gets the seccomp
    /// listener fd (owned by the callee) and the server's pid as the server is let go (calls its filter
    /// sends up wait in the kernel until they are read); it must not block.
    public static func launch(_ plan: SandboxPlan, seccomp: SeccompHandoff?,
                              onListener: (Int32, pid_t) -> Void) throws(LaunchFailure) -> RunningSandbox {
        try launch(plan, program: { .success(seccomp) }, onListener: onListener)
    }

    /// As above, with the program still compiling (started here once the child has its plan, if it was not
    /// running yet): the child starts setting up at once and receives the program when it reaches the seccomp
    /// step. A compile error kills the sandbox before its server runs and is thrown with `seccompError`
    /// set. `onListener` also gets the compiled program.
    public static func launch(_ plan: SandboxPlan, seccomp compilation: SeccompCompilation,
                              onListener: (Int32, pid_t, SeccompProgram) -> Void) throws(LaunchFailure) -> RunningSandbox {
        var compiled: SeccompProgram?
        return try launch(plan, afterHandoff: { compilation.begin() }, program: {
            switch compilation.wait() {
            case .success(let p):
                compiled = p
                return .success(SeccompHandoff(bytes: p.bytes, wantListener: p.usesNotify))
            case .failure(let e):
                return .failure(LaunchFailure(message: "contain: \(e)", exitStatus: 125, seccompError: e))
            }
        }, onListener: { fd, pid in
            // A listener record only follows a program this closure delivered, so `compiled` is set.
            if let compiled { onListener(fd, pid, compiled) } else { Sys.close(fd) }
        })
    }

    /// `program` runs on this thread after the child got its go signal (so whatever it waits for overlaps
    /// with the child's setup); nil means no filter, which a plan with a seccomp step refuses.
    static func launch(_ plan: SandboxPlan, afterHandoff: () -> Void = {}, program: () -> Result<SeccompHandoff?, LaunchFailure>,
                       onListener: (Int32, pid_t) -> Void) throws(LaunchFailure) -> RunningSandbox {
        // Idmapped trees (CONTAIN_OP_ADOPT_TREE), made here because only the supervisor (host root) may
        // idmap, and one per launch because a tree can be attached only once; they go to the child with the plan.
        var plan = plan
        var trees: [Int32] = []
        defer { for fd in trees { Sys.close(fd) } } // the child got its copies with the plan, or there is no child
        for i in plan.steps.indices where plan.steps[i].op == .adoptTree {
            let path = plan.steps[i].src ?? ""
            switch Sys.idmappedTree(path, uid: plan.idMapping.hostUID, gid: plan.idMapping.hostGID) {
            case .success(let fd):
                trees.append(fd)
                plan.steps[i].arg2 = UInt64(fd)
            case .failure(let f):
                throw LaunchFailure(message: "contain: setup step \"\(plan.steps[i].name)\" failed: \(f); \(plan.steps[i].fix ?? "")",
                                    exitStatus: 125)
            }
        }
        // The sandbox child: the one contain cloned before main (contain_early_spawn), or one cloned now
        // (tests, a second launch). Cloned before the pipes below exist, so it holds none of our ends.
        var child = contain_take_early_child()
        if child.pid <= 0 && contain_spawn_waiting(&child) != 0 {
            throw LaunchFailure(message: "contain: cannot create the sandbox namespaces: clone: \(Sys.errnoText(child.err)); \(cloneFix(child.err))",
                                exitStatus: 125)
        }
        let pid = child.pid, pidfd = child.pidfd
        var ours: [Int32] = [child.plan_fd]
        func discardChild(_ message: String) -> LaunchFailure {
            Sys.kill(pid, SIGKILL)
            _ = Sys.waitpid(pid)
            for fd in ours + [pidfd] { Sys.close(fd) }
            return LaunchFailure(message: message, exitStatus: 125)
        }
        var pipes: [(read: Int32, write: Int32)] = []
        for _ in 0..<5 {
            switch Sys.pipe() {
            case .success(let p):
                pipes.append(p)
                ours += [p.read, p.write]
            case .failure(let f): throw discardChild("contain: \(f)")
            }
        }
        let sync = pipes[0], report = pipes[1], ack = pipes[2], status = pipes[3], filter = pipes[4]
        let storage = CPlanStorage(plan, fds: .init(sync: sync.read, report: report.write, ack: ack.read,
                                                    status: status.write, filter: filter.read))
        var cplan = storage.plan
        let sendErrno = withUnsafePointer(to: &cplan) { contain_send_plan(child.plan_fd, $0) }
        withExtendedLifetime(storage) {}
        if sendErrno != 0 {
            throw discardChild("contain: setup step \"hand the plan to the sandbox child\" failed: \(Sys.errnoText(sendErrno))")
        }
        // The child has its copies now; it must be the only holder of its ends for EOF to mean anything.
        for fd in [child.plan_fd, sync.read, report.write, ack.read, status.write, filter.read] { Sys.close(fd) }
        contain_forward_signals(pid)
        afterHandoff()

        var filterWrite: Int32? = filter.write
        func abort(_ failure: LaunchFailure) -> LaunchFailure {
            Sys.kill(pid, SIGKILL)
            _ = Sys.waitpid(pid)
            for fd in [sync.write, report.read, ack.write, status.read, pidfd] { Sys.close(fd) }
            if let fd = filterWrite { Sys.close(fd) }
            return failure
        }
        func abort(_ message: String) -> LaunchFailure { abort(LaunchFailure(message: message, exitStatus: 125)) }

        // Id maps, then the go byte. Unprivileged writers must deny setgroups before writing gid_map.
        let ids = plan.idMapping
        var mapWrites: [(String, String)] = []
        if ids.denySetgroups { mapWrites.append(("/proc/\(pid)/setgroups", "deny")) }
        mapWrites.append(("/proc/\(pid)/uid_map", ids.uidMap))
        mapWrites.append(("/proc/\(pid)/gid_map", ids.gidMap))
        for (path, text) in mapWrites {
            if case .failure(let f) = Sys.writeFile(path, text) {
                throw abort("contain: setup step \"write \(SandboxPath.basename(path))\" failed: \(Sys.errnoText(f.errno)); the kernel refused to map uid 0 inside to host uid \(ids.hostUID)")
            }
        }
        // The write end stays open until the launch is over: the child checks for its hang-up after
        // re-arming PDEATHSIG, which closes the window in which the supervisor could die unnoticed.
        var go: UInt8 = 1
        _ = withUnsafeBytes(of: &go) { Sys.writeAll(sync.write, $0) }

        // The child is setting up; now the program (which may have been compiling all along).
        let handoff: SeccompHandoff?
        switch program() {
        case .success(let h): handoff = h
        case .failure(let f): throw abort(f)
        }
        if let handoff {
            switch sendProgram(handoff, to: filter.write) {
            case .success: break
            case .failure(.childGone): break // the child failed a step before the seccomp one: its report says which
            case .failure(.malformed):
                throw abort("contain: the seccomp program has \(handoff.bytes.count) bytes; the kernel takes 1 to \(CONTAIN_MAX_FILTER) instructions of 8 bytes")
            case .failure(.write(let f)):
                throw abort("contain: sending the seccomp program to the sandbox: \(f)")
            }
        }
        Sys.close(filter.write) // without a program the child reads EOF at its receive step and stops
        filterWrite = nil

        // Step reports until EOF (EOF without a failure record: execve succeeded).
        var failure: (step: Int, errno: Int32)?
        var listenerError: String?
        var serverPID: pid_t?
        var ackClosed = false
        while true {
            var rec = contain_report()
            let r = withUnsafeMutableBytes(of: &rec) { Sys.readFull(report.read, into: $0) }
            guard case .success(let n) = r, n == MemoryLayout<contain_report>.size else { break }
            if rec.step == CONTAIN_REPORT_LISTENER {
                switch takeListener(initPID: pid, fd: rec.err) {
                case .success(let (fd, server)):
                    serverPID = server
                    // The fd is ours now, so the server may go on: a call its filter sends up waits in the
                    // kernel until the listener reads it, and starting the listener thread need not delay
                    // the server's execve.
                    var one: UInt8 = 1
                    _ = withUnsafeBytes(of: &one) { Sys.writeAll(ack.write, $0) }
                    onListener(fd, server)
                case .failure(let f):
                    listenerError = "could not take the seccomp listener from the server: \(f)"
                    Sys.close(ack.write) // the child sees EOF and exits instead of running unreported
                    ackClosed = true
                }
            } else if failure == nil {
                failure = (Int(rec.step), rec.err)
            }
        }
        Sys.close(report.read)
        if !ackClosed { Sys.close(ack.write) }
        Sys.close(sync.write)

        let sandbox = RunningSandbox(initPID: pid, pidfd: pidfd, serverPID: serverPID, statusFD: status.read)
        guard let failure else {
            if let listenerError {
                _ = sandbox.waitForExit()
                throw LaunchFailure(message: "contain: \(listenerError)", exitStatus: 125)
            }
            return sandbox
        }
        _ = sandbox.waitForExit()
        throw describe(failure, plan: plan, listenerError: listenerError)
    }

    enum SendFailure: Error {
        /// Empty, not whole instructions, or more than the kernel takes: nothing was sent.
        case malformed
        /// EPIPE: nobody reads the pipe any more (the child stopped at an earlier step).
        case childGone
        case write(Sys.Failure)
    }

    /// Header and instructions on the filter pipe (CONTAIN_OP_RECEIVE_SECCOMP). At most 32 KiB + 16: fits
    /// a default pipe buffer, so this does not wait for the child; on a pipe shrunk by
    /// pipe-user-pages-soft it waits for the child's read, which comes without any action of ours.
    /// SIGPIPE is blocked on this thread for the write and a pending one consumed, so a child that died
    /// early costs an EPIPE, not contain (whatever the process's SIGPIPE disposition).
    static func sendProgram(_ h: SeccompHandoff, to fd: Int32) -> Result<Void, SendFailure> {
        let count = h.bytes.count / 8
        guard !h.bytes.isEmpty, h.bytes.count % 8 == 0, count <= Int(CONTAIN_MAX_FILTER) else { return .failure(.malformed) }
        var header = contain_filter_header()
        header.magic = CONTAIN_FILTER_MAGIC
        header.instructions = UInt32(count)
        header.flags = (h.wantListener ? CONTAIN_FILTER_WANT_LISTENER : 0) | h.unknownHeaderBits.flags
        header.reserved = h.unknownHeaderBits.reserved
        var message = [UInt8](repeating: 0, count: MemoryLayout<contain_filter_header>.size + h.bytes.count)
        message.withUnsafeMutableBytes { dst in
            withUnsafeBytes(of: &header) { dst.copyMemory(from: $0) }
            h.bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(rebasing: dst[MemoryLayout<contain_filter_header>.size...]).copyMemory(from: src)
            }
        }
        var block = sigset_t(), old = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &block, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        let r = message.withUnsafeBytes { Sys.writeAll(fd, $0) }
        guard case .failure(let f) = r else { return .success(()) }
        guard f.errno == EPIPE else { return .failure(.write(f)) }
        if sigismember(&old, SIGPIPE) == 0 {
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&block, nil, &zero) // the SIGPIPE this write raised, so unblocking delivers nothing
        }
        return .failure(.childGone)
    }

    static func describe(_ f: (step: Int, errno: Int32), plan: SandboxPlan, listenerError: String?) -> LaunchFailure {
        if f.step == Int(CONTAIN_REPORT_BAD_PLAN) {
            return LaunchFailure(message: "contain: the sandbox child could not read its plan: \(Sys.errnoText(f.errno)); this contain binary is inconsistent (rebuild it)", exitStatus: 125)
        }
        guard f.step >= 0, f.step < plan.steps.count else {
            return LaunchFailure(message: "contain: the sandbox child reported an unknown step \(f.step): \(Sys.errnoText(f.errno))", exitStatus: 125)
        }
        let step = plan.steps[f.step]
        if step.op == .exec {
            let code: Int32 = f.errno == ENOENT ? 127 : 126
            var msg = "contain: cannot execute \(plan.execPath): \(Sys.errnoText(f.errno))"
            if f.errno == ENOENT {
                msg += "; it (or its interpreter) is not inside the sandbox's view: add its directory to filesystem.execute"
            } else if f.errno == EACCES {
                msg += "; the sandbox may read it but not execute it: list it under filesystem.execute, not read"
            }
            return LaunchFailure(message: msg, exitStatus: code)
        }
        var msg = "contain: setup step \"\(step.name)\" failed: \(Sys.errnoText(f.errno))"
        if step.op == .seccomp, let listenerError { msg += ": \(listenerError)" }
        if let fix = step.fix { msg += "; \(fix)" }
        return LaunchFailure(message: msg, exitStatus: 125)
    }

    /// The server is the init's only child while it waits for our ack.
    static func takeListener(initPID: pid_t, fd: Int32) -> Result<(Int32, pid_t), Sys.Failure> {
        let path = "/proc/\(initPID)/task/\(initPID)/children"
        let bytes: [UInt8]
        switch Sys.readFile(path, limit: 4096) {
        case .success(let b): bytes = b
        case .failure(let f): return .failure(f)
        }
        guard let first = String(decoding: bytes, as: UTF8.self).split(separator: " ").first,
              let server = pid_t(String(first).trimmingWhitespace()) else {
            return .failure(Sys.Failure("read \(path)", ESRCH))
        }
        let pfd: Int32
        switch Sys.pidfdOpen(server) {
        case .success(let p): pfd = p
        case .failure(let f): return .failure(f)
        }
        defer { Sys.close(pfd) }
        return Sys.pidfdGetfd(pfd, fd).map { ($0, server) }
    }

    static func cloneFix(_ e: Int32) -> String {
        switch e {
        case EPERM, EACCES:
            return "unprivileged user namespaces are disabled here (sysctl kernel.unprivileged_userns_clone=1, or an AppArmor/SELinux policy such as kernel.apparmor_restrict_unprivileged_userns=0); contain cannot run without them"
        case ENOSPC, EUSERS:
            return "the user namespace limit is reached (sysctl user.max_user_namespaces)"
        case EINVAL:
            return "this kernel lacks a namespace type the profile needs (CONFIG_USER_NS, CONFIG_PID_NS, CONFIG_NET_NS...)"
        default:
            return "see `contain doctor`"
        }
    }
}
