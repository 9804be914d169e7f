// The supervisor's side of SECCOMP_RET_USER_NOTIF: a dedicated thread receives every call the filter sent
// up, answers it (the rule's errno; CONTINUE in observe mode or for `log` rules), then reports it.
//
// Order per notification, and why:
//   1. RECV; 2. decode arguments (strings from the target's memory) while the target is still blocked, so
//   the text is what the call used; 3. ID_VALID, so text read from a pid that died and was reused is
//   dropped; 4. SEND the answer; 5. record. The target waits only for 1-4, never for the audit writer, and
//   AuditLog aggregates identical events so a loop of denied calls costs a counter, not a line each.
// The listener never lets a call through in enforce mode unless the plan says `log`: a notification
// the plan would allow (which the filter should never send) is refused with EPERM (fail closed).
//
// Wiring (agreed with the launcher): RunCommand takes the child's listener fd with
// `SeccompListenerFD.take(pid:fd:)`, then `NotifyListener(fd:policy:mode:audit:inFlight:)`, `start()`,
// and `stop()` after the sandbox exited (the thread also ends by itself when the last filtered task exits).

import CSeccomp
import ContainAudit
import ContainProfile
import ContainThreads
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public enum SeccompListenerFD {
    /// Copies fd `fd` of process `pid` into the supervisor (pidfd_getfd; O_CLOEXEC). Returns the new fd.
    public static func take(pid: Int32, fd: Int32) throws(SeccompError) -> Int32 {
        let r = contain_pidfd_getfd(pid, fd)
        guard r >= 0 else {
            throw .listener("pidfd_getfd(pid \(pid), fd \(fd)) for the seccomp listener: \(SeccompError.errnoName(-r)); fix: the kernel needs pidfd_getfd (5.6+) and ptrace access to the child")
        }
        return r
    }
}

public final class NotifyListener: Sendable {
    private let fd: Int32
    /// How the listener thread gets the plan it decides with: the compiler's, or (a precompiled program
    /// carries none) planned on that thread when it starts, off the launch's critical path.
    private enum PlanSource: Sendable { case ready(SeccompPlan), build(SyscallPolicy, broker: Bool) }
    private let planSource: PlanSource
    private let mode: SeccompMode
    private let audit: AuditLog
    private let inFlight: InFlightCalls
    /// An eventfd that wakes the thread's poll for stop().
    private let wakeFD: Int32
    private let thread = Mutex<pthread_t?>(nil)
    private let stopped = Atomic<Bool>(false)
    /// Set when start() closed the fd itself (no thread to read it), so stop() must not close it again.
    private let fdClosedEarly = Atomic<Bool>(false)
    /// network.allow, resolved (nil: no brokering; brokered calls are then refused).
    let allowlist: NetworkAllowlist?
    /// Blocking connects the broker is waiting on, on their own threads.
    let blockingConnects = Atomic<Int>(0)

    /// Takes ownership of `fd` (closed by stop()). `policy` must be the one the running program was compiled
    /// from, and `network` the resolved allowlist when it was compiled with `network: .allow(...)`.
    public convenience init(fd: Int32, policy: SyscallPolicy, mode: SeccompMode, audit: AuditLog, inFlight: InFlightCalls,
                            network: NetworkAllowlist? = nil) {
        // The same policy compiled already; should planning fail anyway, every notification is refused
        // under the default rule (attribution lost, never a wider door).
        self.init(fd: fd, planSource: .build(policy, broker: network != nil), mode: mode, audit: audit,
                  inFlight: inFlight, network: network)
    }

    /// As above, deciding with the plan `program` was compiled from (no second planning); `policy` is only
    /// used when the program carries no plan (a precompiled one), and then planned on the listener thread.
    public convenience init(fd: Int32, program: SeccompProgram, policy: SyscallPolicy, mode: SeccompMode, audit: AuditLog,
                            inFlight: InFlightCalls, network: NetworkAllowlist? = nil) {
        let source: PlanSource = program.plan.map { .ready($0) } ?? .build(policy, broker: network != nil)
        self.init(fd: fd, planSource: source, mode: mode, audit: audit, inFlight: inFlight, network: network)
    }

    private init(fd: Int32, planSource: PlanSource, mode: SeccompMode, audit: AuditLog, inFlight: InFlightCalls,
                 network: NetworkAllowlist?) {
        self.fd = fd
        self.allowlist = network
        self.planSource = planSource
        self.mode = mode
        self.audit = audit
        self.inFlight = inFlight
        self.wakeFD = contain_eventfd_cloexec()
    }

    public func start() { start(spawn: { PosixThread.spawn($0) }) }

    /// `spawn` starts the thread; tests pass one that fails, to check that a denied call is still
    /// answered when no thread ever reads the fd.
    func start(spawn: (@escaping @Sendable () -> Void) -> Result<pthread_t, PthreadError>) {
        thread.withLock { t in
            guard t == nil else { return }
            switch spawn({ self.run() }) {
            case .success(let tid): t = tid
            case .failure(let e):
                // Nobody would ever read the fd: a denied call would wait for an answer forever. Closed,
                // the kernel fails such calls with ENOSYS at once.
                _ = close(fd)
                fdClosedEarly.store(true, ordering: .releasing)
                audit.note("seccomp listener thread could not start (\(SeccompError.errnoName(e.code))): denied syscalls fail with ENOSYS and are not reported")
            }
        }
    }

    /// Wakes and joins the thread, then closes the listener fd. Idempotent.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(wakeFD, $0.baseAddress, 8) }
        let t = thread.withLock { t -> pthread_t? in let v = t; t = nil; return v }
        if let t { pthread_join(t, nil) }
        if !fdClosedEarly.load(ordering: .acquiring) { _ = close(fd) }
        if wakeFD >= 0 { _ = close(wakeFD) }
    }

    private func run() {
        let plan: SeccompPlan?
        switch planSource {
        case .ready(let p): plan = p
        // The same policy compiled (or was precompiled) already; should planning fail anyway, every
        // notification is refused under the default rule (attribution lost, never a wider door).
        case .build(let policy, let broker): plan = try? SeccompPlan(policy, brokerNetwork: broker)
        }
        var worker = NotifyWorker(listener: self, plan: plan)
        worker.loop()
    }

    // MARK: - Used by the worker (listener thread only)

    var listenerFD: Int32 { fd }
    fileprivate var wake: Int32 { wakeFD }

    var observe: Bool { mode == .observe }

    func record(_ e: AuditEvent) {
        var e = e
        e.inFlight = inFlight.current
        audit.record(e)
    }
}

/// Thread-confined state: buffers and the syscall-name cache.
private struct NotifyWorker {
    let listener: NotifyListener
    let plan: SeccompPlan?
    var buffer: UnsafeMutableRawPointer
    var bufferSize: Int
    var names: [UInt64: String] = [:]
    let nativeArch = contain_scmp_arch_native()

    init(listener: NotifyListener, plan: SeccompPlan?) {
        self.listener = listener
        self.plan = plan
        var n: UInt16 = 0, r: UInt16 = 0, d: UInt16 = 0
        let kernel = contain_seccomp_notif_sizes(&n, &r, &d) == 0 ? Int(n) : 0
        bufferSize = max(kernel, Int(contain_seccomp_notif_struct_size()))
        buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
    }

    mutating func loop() {
        defer { buffer.deallocate() }
        var fds = [pollfd(fd: listener.listenerFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: listener.wake, events: Int16(POLLIN), revents: 0)]
        while true {
            fds[0].revents = 0; fds[1].revents = 0
            let r = poll(&fds, 2, -1)
            if r < 0 { if errno == EINTR { continue }; return }
            if fds[1].revents != 0 { return }
            let ev = Int32(fds[0].revents)
            if ev & Int32(POLLIN) != 0 {
                let rc = contain_seccomp_notif_recv(listener.listenerFD, buffer, bufferSize)
                // EINTR: a signal; ENOENT: the target died between poll and RECV. Both: poll again.
                if rc == -EINTR || rc == -ENOENT { continue }
                if rc < 0 { return }
                handle()
            } else if ev & Int32(POLLHUP | POLLERR | POLLNVAL) != 0 {
                return // every task under the filter has exited
            }
        }
    }

    mutating func name(arch: UInt32, nr: Int32) -> String {
        let key = UInt64(arch) << 32 | UInt64(UInt32(bitPattern: nr))
        if let n = names[key] { return n }
        let n = SyscallNumbers.name(arch: arch, nr: nr) ?? "syscall_\(nr)"
        names[key] = n
        return n
    }

    mutating func handle() {
        let id = contain_notif_id(buffer)
        let pid = Int32(bitPattern: contain_notif_pid(buffer))
        let nr = contain_notif_nr(buffer)
        let arch = contain_notif_arch(buffer)
        let args = (0..<6).map { contain_notif_arg(buffer, Int32($0)) }
        let syscall = name(arch: arch, nr: nr)
        let decision = plan?.decide(syscall: syscall, args: args)
            ?? PlanDecision(verdict: .deny(SeccompPlan.eperm), rule: BuiltinRule.defaultAction)
        if decision.verdict == .broker {
            // Without an allowlist the broker allows nothing out (it still reports).
            NetworkBroker.handle(syscall: syscall, id: id, pid: pid, args: args, listener: listener)
            return
        }

        var decoded = SyscallArgumentDecoder.decode(syscall: syscall, args: args, pid: pid)
        var exe = ProcessMemory.exe(pid: pid)
        if contain_seccomp_notif_id_valid(listener.listenerFD, id) != 0 {
            // The target is gone (killed, or the pid was reused): what was read may not be its.
            decoded = []; exe = nil
        }
        if arch != nativeArch { decoded.append(("arch", "0x" + String(arch, radix: 16))) }

        let errnoValue: Int32
        let proceed: Bool
        let verdict: Verdict
        switch decision.verdict {
        case _ where listener.observe:
            proceed = true; errnoValue = 0; verdict = .wouldBlock
        case .log:
            proceed = true; errnoValue = 0; verdict = .wouldBlock
        case .deny(let e), .silentErrno(let e):
            proceed = false; errnoValue = e; verdict = .blocked
        case .allow, .kill, .broker:
            proceed = false; errnoValue = SeccompPlan.eperm; verdict = .blocked
        }
        var rc: Int32
        repeat {
            rc = contain_seccomp_notif_send(listener.listenerFD, id, 0, proceed ? 0 : errnoValue, proceed ? 1 : 0)
        } while rc == -EINTR

        let errText = SeccompError.errnoName(errnoValue)
        let wouldBe: String
        switch decision.verdict {
        case .kill: wouldBe = "killed"
        case .deny(let e), .silentErrno(let e): wouldBe = "refused with \(SeccompError.errnoName(e))"
        case .log: wouldBe = "logged"
        case .allow, .broker: wouldBe = "refused with EPERM"
        }
        let detail: String
        switch verdict {
        case .blocked: detail = "\(syscall)(2) refused with \(errText)"
        default: detail = decision.verdict == .log ? "\(syscall)(2) allowed and logged" : "\(syscall)(2) would be \(wouldBe) (observe mode)"
        }
        listener.record(AuditEvent(wall: .environment, event: "syscall", verdict: verdict, rule: decision.rule,
                                   pid: pid, exe: exe, syscall: syscall, args: decoded,
                                   detail: rc == 0 || rc == -ENOENT ? detail : detail + " (answer failed: \(SeccompError.errnoName(-rc)))"))
    }
}
