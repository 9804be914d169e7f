// Compiles a profile's SyscallPolicy into a seccomp BPF program with libseccomp, in the supervisor (never in
// the child: libseccomp allocates). The program is exported to memory (libseccomp 2.5.4 has no
// seccomp_export_bpf_mem, so it writes to a memfd that is read back) and handed to the launcher, whose C
// child installs it with the raw seccomp() syscall and SECCOMP_FILTER_FLAG_NEW_LISTENER.
//
// Agreed with the launcher (Sources/ContainSandbox/*.swift, csrc/CContainChild): the child installs
// `SeccompProgram.bytes` as the LAST step, passes the listener fd number up, waits for the parent to take it
// with pidfd_getfd (`SeccompListenerFD.take(pid:fd:)`), closes its copy and execs. read, write, close, execve
// and exit_group are always allowed for that window (SeccompPlan.launcherSyscalls).
//
// Architectures: only the native one is in the filter; anything else (i386 `int 0x80`, x32 `nr | 0x40000000`)
// hits SCMP_FLTATR_ACT_BADARCH = KILL_PROCESS (libseccomp puts an explicit x32-bit check into every x86_64
// filter), unless the profile sets allow_foreign_arch.

import CSeccomp
import ContainProfile
#if canImport(Glibc)
import Glibc
#endif

public enum SeccompCompiler {
    /// `network`: with `.allow`, connect (and sendto with a destination) are sent to the listener's broker;
    /// pass the same policy's resolved allowlist to `NotifyListener`.
    public static func compile(_ policy: SyscallPolicy, mode: SeccompMode,
                               network: NetworkPolicy = .none) throws(SeccompError) -> SeccompProgram {
        try compile(policy, mode: mode, plan: SeccompPlan(policy, brokerNetwork: network.isBrokered))
    }

    /// The shipped program for exactly these inputs (ShippedProgramLookup.swift), or nil; `run` asks this
    /// first (SeccompCompilation) and compiles only on a miss. It carries no plan: the notify listener plans
    /// on its own thread (NotifyListener(program:policy:...)), so a hit costs the launch no planning.
    public static func precompiled(_ policy: SyscallPolicy, mode: SeccompMode, network: NetworkPolicy = .none) -> SeccompProgram? {
        guard let shipped = ShippedPrograms.lookup(SeccompCompileKey.text(policy, mode: mode, brokerNetwork: network.isBrokered)) else {
            return nil
        }
        return SeccompProgram(bytes: shipped.bytes, usesNotify: shipped.usesNotify, instructionCount: shipped.bytes.count / 8)
    }

    private static func compile(_ policy: SyscallPolicy, mode: SeccompMode, plan: SeccompPlan) throws(SeccompError) -> SeccompProgram {
        let actions = ActionMap(mode: mode, report: policy.report)
        let defaultAction = actions.action(plan.defaultDecision.verdict)

        guard let ctx = seccomp_init(defaultAction) else {
            throw .libseccomp(call: "seccomp_init", detail: "default action", code: -ENOMEM)
        }
        defer { seccomp_release(ctx) }

        try check(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "seccomp_attr_set", "ACT_BADARCH")
        // Binary tree of syscall numbers: a few comparisons per syscall instead of a linear scan.
        try check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), "seccomp_attr_set", "CTL_OPTIMIZE")
        if plan.allowForeignArchitectures {
            for (arch, name) in [(contain_scmp_arch_x86(), "x86"), (contain_scmp_arch_x32(), "x32")] {
                let r = seccomp_arch_add(ctx, arch)
                if r != 0 && r != -EEXIST { try check(r, "seccomp_arch_add", name) }
            }
        }

        var usesNotify = defaultAction == SCMP_ACT_NOTIFY
        for name in plan.entries.keys.sorted() {
            guard let entry = plan.entries[name] else { continue }
            let nr = SyscallNumbers.resolve(name)
            guard nr != contain_scmp_error_nr() else {
                // Unknown to libseccomp and to our table: leaving it out means the default action.
                // Fail closed: refuse only when that would let it through where the profile said otherwise.
                if defaultAction == SCMP_ACT_ALLOW && !entry.canAllow { throw .unknownSyscall(name) }
                continue
            }
            if nr < 0 && !plan.allowForeignArchitectures { continue } // not a native syscall (e.g. socketcall)
            for (action, terms) in try regions(entry, actions: actions, skipping: defaultAction) {
                if action == SCMP_ACT_NOTIFY { usesNotify = true }
                for term in terms { try add(ctx, action: action, nr: nr, term: term, name: name) }
            }
        }
        let bytes = try export(ctx)
        return SeccompProgram(bytes: bytes, usesNotify: usesNotify, plan: plan)
    }

    /// The exact argument region each action covers for one syscall: item i owns what it matches and no
    /// earlier item matched; the base owns the rest. Regions of different actions are disjoint, as
    /// libseccomp needs (it merges overlapping rules unpredictably and drops conditionals under an
    /// unconditional rule).
    /// `skipping`: the filter's default action, whose regions need no rules; they are neither computed nor
    /// returned (the next items still lose them from `remaining`).
    static func regions(_ entry: PlanEntry, actions: ActionMap, skipping: UInt32? = nil) throws(SeccompError) -> [(UInt32, [ConditionTerm])] {
        if entry.items.isEmpty { // most syscalls: one unconditional action
            let base = actions.action(entry.base.verdict)
            return base == skipping ? [] : [(base, [.always])]
        }
        var remaining = ConditionRegion.everything
        var out: [UInt32: [ConditionTerm]] = [:]
        var order: [UInt32] = []
        func put(_ action: UInt32, _ terms: [ConditionTerm]) {
            guard !terms.isEmpty else { return }
            if out[action] == nil { order.append(action) }
            out[action, default: []].append(contentsOf: terms)
        }
        for item in entry.items {
            if remaining.isEmpty { break }
            let action = actions.action(item.decision.verdict)
            if action != skipping {
                var owned: [ConditionTerm] = []
                for t in item.region.terms {
                    owned += try remaining.intersecting(t).terms
                }
                put(action, owned)
            }
            for t in item.region.terms { remaining = try remaining.subtracting(t, syscall: entry.name) }
        }
        let base = actions.action(entry.base.verdict)
        if base != skipping { put(base, remaining.terms) }
        return order.compactMap { a in out[a].map { (a, ConditionRegion(terms: $0).simplified().terms) } }
    }

    private static func add(_ ctx: scmp_filter_ctx, action: UInt32, nr: Int32, term: ConditionTerm, name: String) throws(SeccompError) {
        var cmps: [scmp_arg_cmp] = []
        for (i, c) in term.comparisons {
            var a = scmp_arg_cmp()
            a.arg = UInt32(i)
            switch c.op {
            case .maskedEq(let m):
                if m == .max { a.op = SCMP_CMP_EQ; a.datum_a = c.value } else { a.op = SCMP_CMP_MASKED_EQ; a.datum_a = m; a.datum_b = c.value }
            case .ne: a.op = SCMP_CMP_NE; a.datum_a = c.value
            case .lt: a.op = SCMP_CMP_LT; a.datum_a = c.value
            case .le: a.op = SCMP_CMP_LE; a.datum_a = c.value
            case .gt: a.op = SCMP_CMP_GT; a.datum_a = c.value
            case .ge: a.op = SCMP_CMP_GE; a.datum_a = c.value
            }
            cmps.append(a)
        }
        let r = cmps.withUnsafeBufferPointer { buf in
            seccomp_rule_add_array(ctx, action, nr, UInt32(buf.count), buf.baseAddress)
        }
        try check(r, "seccomp_rule_add_array", "\(name) \(term.comparisons.map { "arg\($0.index) \($0.comparison)" }.joined(separator: " && "))")
    }

    private static func check(_ r: Int32, _ call: String, _ detail: String) throws(SeccompError) {
        if r < 0 { throw .libseccomp(call: call, detail: detail, code: r) }
    }

    private static func export(_ ctx: scmp_filter_ctx) throws(SeccompError) -> [UInt8] {
        let fd = contain_memfd_cloexec("contain-seccomp-bpf")
        guard fd >= 0 else { throw .export("memfd_create: \(SeccompError.errnoName(-fd))") }
        defer { _ = close(fd) }
        try check(seccomp_export_bpf(ctx, fd), "seccomp_export_bpf", "memfd")
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0, size % 8 == 0 else { throw .export("unexpected program size \(size)") }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var off = 0
        while off < bytes.count {
            // pread on a memfd does not sleep; EINTR is retried anyway for a signal arriving between calls.
            let n = bytes.withUnsafeMutableBytes { buf in
                pread(fd, buf.baseAddress.map { $0 + off }, buf.count - off, off_t(off))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .export("read back: \(SeccompError.errnoName(errno))")
            }
            if n == 0 { throw .export("short read back at \(off) of \(bytes.count)") }
            off += n
        }
        guard bytes.count / 8 <= 4096 else { throw .export("program has \(bytes.count / 8) instructions; the kernel accepts 4096") }
        return bytes
    }
}

/// Verdict -> libseccomp action for a mode.
struct ActionMap: Sendable {
    var mode: SeccompMode
    var report: Bool

    func action(_ v: FilterVerdict) -> UInt32 {
        switch v {
        case .allow: return SCMP_ACT_ALLOW
        case .silentErrno(let e): return Self.errno(e)
        case .deny(let e): return mode == .observe || report ? SCMP_ACT_NOTIFY : Self.errno(e)
        case .kill: return mode == .observe ? SCMP_ACT_NOTIFY : SCMP_ACT_KILL_PROCESS
        case .log: return mode == .observe || report ? SCMP_ACT_NOTIFY : SCMP_ACT_LOG
        case .broker: return SCMP_ACT_NOTIFY
        }
    }

    static func errno(_ e: Int32) -> UInt32 { 0x0005_0000 | (UInt32(bitPattern: e) & 0xffff) }
}

/// Name -> native syscall number: libseccomp first, then the syscalls newer than its table.
enum SyscallNumbers {
    /// x86_64 numbers of syscalls libseccomp 2.5.4 does not know (the generic table, shared since 424).
    static let newer: [String: Int32] = [
        "fchmodat2": 452, "map_shadow_stack": 453, "futex_wake": 454, "futex_wait": 455, "futex_requeue": 456,
        "statmount": 457, "listmount": 458, "lsm_get_self_attr": 459, "lsm_set_self_attr": 460,
        "lsm_list_modules": 461, "mseal": 462, "setxattrat": 463, "getxattrat": 464, "listxattrat": 465,
        "removexattrat": 466, "open_tree_attr": 467, "file_getattr": 468, "file_setattr": 469,
    ]

    static func resolve(_ name: String) -> Int32 {
        let nr = seccomp_syscall_resolve_name(name)
        if nr != contain_scmp_error_nr() { return nr }
        return newer[name] ?? contain_scmp_error_nr()
    }

    /// Native or foreign number -> name (nil when nobody knows it).
    static func name(arch: UInt32, nr: Int32) -> String? {
        if let p = seccomp_syscall_resolve_num_arch(arch, nr) {
            defer { free(p) }
            return String(cString: p)
        }
        if arch == contain_scmp_arch_x86_64() { return newer.first { $0.value == nr }?.key }
        return nil
    }
}

extension NetworkPolicy {
    var isBrokered: Bool { if case .allow = self { return true }; return false }
}
