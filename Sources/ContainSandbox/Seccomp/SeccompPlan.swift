// What the filter decides for each syscall, as ordered first-match lists: the one description both the
// compiler (which turns it into libseccomp rules) and the notify listener (which needs the rule id and
// errno behind a notification) read, so the two can never disagree.
//
// Order per syscall (docs/seccomp.md "Precedence"):
//   1. refusing argument rules (profile rules with deny/kill/log, then the built-in hardening rules),
//      most severe first (kill > deny > log), profile order within a severity;
//   2. allowing argument rules (profile rules with action allow, built-in conditional allows);
//   3. the unconditional action: kill list > deny list > log > allow list; else the profile default.
// Built-in hardening only applies to a syscall the profile would otherwise let through.

import CSeccomp
import ContainProfile

/// The filter's verdict for a call, before it is mapped to a libseccomp action for a mode.
enum FilterVerdict: Hashable, Sendable {
    case allow
    /// Refused with this errno (reported through USER_NOTIF when the policy reports).
    case deny(Int32)
    case kill
    /// Allowed, but reported (would_block).
    case log
    /// Refused in the filter itself, never reported: a compatibility answer, not a block (clone3 -> ENOSYS).
    case silentErrno(Int32)
    /// Sent to the supervisor's network broker (network.allow): connect, sendto with a destination.
    case broker

    var severity: Int {
        switch self {
        case .kill: return 4
        case .deny, .silentErrno: return 3
        case .log: return 1
        case .allow, .broker: return 0
        }
    }

    /// Order of argument items: refusing (most severe first), then brokered, then allowing.
    var itemRank: Int {
        switch self {
        case .allow: return -2
        case .broker: return -1
        default: return severity
        }
    }

    init(_ a: SyscallAction) {
        switch a {
        case .allow: self = .allow
        case .errno(let e): self = .deny(e)
        case .kill: self = .kill
        case .log: self = .log
        }
    }
}

struct PlanDecision: Sendable, Equatable {
    var verdict: FilterVerdict
    /// The profile rule id, or a built-in id ("syscalls.namespaces", "syscalls.default", ...).
    var rule: String
}

struct PlanItem: Sendable {
    var region: ConditionRegion
    var decision: PlanDecision
}

struct PlanEntry: Sendable {
    var name: String
    /// Argument rules, first match wins.
    var items: [PlanItem]
    var base: PlanDecision

    func decide(_ args: [UInt64]) -> PlanDecision {
        for item in items where item.region.holds(args) { return item.decision }
        return base
    }

    var canAllow: Bool {
        base.verdict == .allow || base.verdict == .log || base.verdict == .broker
            || items.contains { $0.decision.verdict == .allow || $0.decision.verdict == .broker }
    }
}

/// Built-in rule ids, as they appear in reports.
enum BuiltinRule {
    static let defaultAction = "syscalls.default"
    static let allowList = "syscalls.allow"
    static let launcher = "syscalls.launcher"
    static let namespaces = "syscalls.namespaces"
    static let clone3 = "syscalls.clone3"
    static let socketFamilies = "syscalls.socket_families"
    static let rawSockets = "syscalls.raw_sockets"
    static let personality = "syscalls.personality"
    static let prctl = "syscalls.prctl"
    static let ioUring = "syscalls.io_uring"
    static let setIDBits = "syscalls.setuid_bits"
    static let openat2 = "syscalls.openat2"
    static let deviceNodes = "syscalls.device_nodes"
    static let ttyInjection = "syscalls.tty_injection"
    static let networkAllow = "network.allow"
}

struct SeccompPlan: Sendable {
    /// The syscalls the launcher's child makes between installing the filter and execve (handing the
    /// listener fd up, waiting for the ack, closing it): always allowed, whatever the profile says. Also
    /// `exit` and `rt_sigreturn`, which grant nothing and without which a thread spins on a refused exit
    /// (glibc retries it forever) and every signal handler return crashes.
    static let launcherSyscalls = ["read", "write", "close", "execve", "exit_group", "exit", "rt_sigreturn"]

    static let eperm: Int32 = 1
    static let enosys: Int32 = 38
    static let eafnosupport: Int32 = 97

    var defaultDecision: PlanDecision
    var entries: [String: PlanEntry]
    var allowForeignArchitectures: Bool

    func decide(syscall name: String, args: [UInt64]) -> PlanDecision {
        entries[name]?.decide(args) ?? defaultDecision
    }

    /// `brokerNetwork`: network.allow is in effect; connect (and sendto with a destination) go to the broker.
    init(_ policy: SyscallPolicy, brokerNetwork: Bool = false) throws(SeccompError) {
        defaultDecision = PlanDecision(verdict: FilterVerdict(policy.defaultAction), rule: BuiltinRule.defaultAction)
        allowForeignArchitectures = policy.allowForeignArchitectures
        var entries = [String: PlanEntry](minimumCapacity: policy.allow.count + policy.rules.count + 32)
        let def = defaultDecision

        func entry(_ name: String) -> PlanEntry { entries[name] ?? PlanEntry(name: name, items: [], base: def) }

        // Unconditional entries: allow list, then the profile's unconditional rules (more severe wins).
        for name in policy.allow {
            var e = entry(name)
            if e.base.rule == BuiltinRule.defaultAction { e.base = PlanDecision(verdict: .allow, rule: BuiltinRule.allowList) }
            entries[name] = e
        }
        var refusing: [String: [PlanItem]] = [:]
        var allowing: [String: [PlanItem]] = [:]
        for rule in policy.rules {
            let decision = PlanDecision(verdict: FilterVerdict(rule.action), rule: rule.id)
            if rule.args.isEmpty {
                var e = entry(rule.syscall)
                if e.base.rule == BuiltinRule.defaultAction || e.base.rule == BuiltinRule.allowList
                    || decision.verdict.severity > e.base.verdict.severity {
                    e.base = decision
                }
                entries[rule.syscall] = e
                continue
            }
            var pairs: [(Int, ArgComparison)] = []
            for c in rule.args {
                guard (0...5).contains(c.index) else { throw .badArgumentIndex(rule: rule.id, index: c.index) }
                pairs.append((c.index, ArgComparison(c)))
            }
            let terms = try ConditionTerm.conjunction(pairs)
            if terms.isEmpty { continue } // never true
            entries[rule.syscall] = entry(rule.syscall)
            let item = PlanItem(region: ConditionRegion(terms: terms).simplified(), decision: decision)
            if decision.verdict == .allow { allowing[rule.syscall, default: []].append(item) }
            else { refusing[rule.syscall, default: []].append(item) }
        }
        // Only syscalls with argument rules have items (mutating while iterating `entries` would copy it).
        for name in refusing.keys { entries[name]?.items = (refusing[name] ?? []) + (allowing[name] ?? []) }
        for name in allowing.keys where refusing[name] == nil { entries[name]?.items = allowing[name] ?? [] }

        for name in Self.launcherSyscalls {
            var e = entry(name)
            e.base = PlanDecision(verdict: .allow, rule: BuiltinRule.launcher)
            entries[name] = e
        }

        try Self.addBuiltins(policy, into: &entries, defaultDecision: def)
        if brokerNetwork { try Self.addBroker(into: &entries, defaultDecision: def) }

        // Refusing items first, most severe first; stable within a severity (profile order, then built-ins).
        self.entries = entries.mapValues { e in
            guard e.items.count > 1 else { return e }
            var e = e
            let indexed = e.items.enumerated().map { ($0.offset, $0.element) }
            e.items = indexed.sorted { a, b in
                let sa = a.1.decision.verdict.itemRank
                let sb = b.1.decision.verdict.itemRank
                return sa != sb ? sa > sb : a.0 < b.0
            }.map { $0.1 }
            return e
        }
    }

    /// Whatever would let connect run goes to the broker instead (an allow rule must not bypass it);
    /// sendto with a destination address (unconnected UDP: DNS to an outside resolver) likewise.
    private static func addBroker(into entries: inout [String: PlanEntry], defaultDecision: PlanDecision) throws(SeccompError) {
        let broker = PlanDecision(verdict: .broker, rule: BuiltinRule.networkAllow)
        var connect = entries["connect"] ?? PlanEntry(name: "connect", items: [], base: defaultDecision)
        if connect.canAllow {
            if connect.base.verdict == .allow || connect.base.verdict == .log { connect.base = broker }
            for i in connect.items.indices where connect.items[i].decision.verdict == .allow { connect.items[i].decision = broker }
            entries["connect"] = connect
        }
        var sendto = entries["sendto"] ?? PlanEntry(name: "sendto", items: [], base: defaultDecision)
        if sendto.canAllow {
            let withDestination = try ConditionTerm([(4, ArgComparison(op: .ne, value: 0))])
            sendto.items.append(PlanItem(region: ConditionRegion(terms: [withDestination]), decision: broker))
            entries["sendto"] = sendto
        }
    }

    private static func addBuiltins(_ policy: SyscallPolicy, into entries: inout [String: PlanEntry],
                                    defaultDecision: PlanDecision) throws(SeccompError) {
        // A syscall the profile never names still matters when the default lets it through.
        func existing(_ name: String) -> PlanEntry { entries[name] ?? PlanEntry(name: name, items: [], base: defaultDecision) }
        func refuse(_ name: String, _ region: ConditionRegion, _ errno: Int32, _ rule: String) {
            var e = existing(name)
            guard e.canAllow, !region.isEmpty else { return }
            e.items.append(PlanItem(region: region, decision: PlanDecision(verdict: .deny(errno), rule: rule)))
            entries[name] = e
        }
        func override(_ name: String, _ decision: PlanDecision) {
            var e = existing(name)
            guard e.canAllow else { return }
            e.items = []
            e.base = decision
            entries[name] = e
        }
        func notAllOf(_ index: Int, mask: UInt64) throws(SeccompError) -> ConditionRegion {
            // "arg & mask != 0"
            ConditionRegion(terms: try ConditionTerm([(index, .masked(mask, 0))]).negated())
        }
        func noneOf(_ index: Int, _ values: [ArgComparison], name: String) throws(SeccompError) -> ConditionRegion {
            var r = ConditionRegion.everything
            for v in values { r = try r.subtracting(try ConditionTerm([(index, v)]), syscall: name) }
            return r
        }
        func anyOf(_ index: Int, _ values: [ArgComparison]) throws(SeccompError) -> ConditionRegion {
            var terms: [ConditionTerm] = []
            for v in values { terms.append(try ConditionTerm([(index, v)])) }
            return ConditionRegion(terms: terms)
        }

        if !policy.allowNamespaceCreation {
            refuse("clone", try notAllOf(0, mask: CloneFlags.namespacesForClone), eperm, BuiltinRule.namespaces)
            refuse("unshare", try notAllOf(0, mask: CloneFlags.namespacesForUnshare), eperm, BuiltinRule.namespaces)
            refuse("setns", .everything, eperm, BuiltinRule.namespaces)
            // clone3 passes its flags in memory the filter cannot read: answer ENOSYS so libc falls back to
            // clone(2), whose flags the filter sees.
            if entries["clone3"] == nil { entries["clone3"] = PlanEntry(name: "clone3", items: [], base: defaultDecision) }
            // A profile that kills by default must not kill every pthread_create: only an explicit kill rule does.
            if var e = entries["clone3"], e.base.verdict != .kill || e.base.rule == BuiltinRule.defaultAction {
                e.items = []
                e.base = PlanDecision(verdict: .silentErrno(enosys), rule: BuiltinRule.clone3)
                entries["clone3"] = e
            }
        }

        if !policy.allowIOUring {
            for n in ["io_uring_setup", "io_uring_enter", "io_uring_register"] {
                override(n, PlanDecision(verdict: .deny(eperm), rule: BuiltinRule.ioUring))
            }
        }

        var families: [UInt32] = []
        for f in policy.socketFamilies {
            guard let n = SocketFamilies.number(f) else { throw .unknownSocketFamily(f) }
            families.append(n)
        }
        // noneOf() subtracts (the costly part of planning): skipped where refuse() would drop the result.
        if existing("socket").canAllow {
            refuse("socket", try noneOf(0, families.map { .eq32($0) }, name: "socket"), eafnosupport, BuiltinRule.socketFamilies)
        }
        var raw: [ConditionTerm] = []
        for fam in families where fam == 2 || fam == 10 {
            for t in [SocketFamilies.sockRaw, SocketFamilies.sockPacket] {
                raw.append(try ConditionTerm([(0, .eq32(fam)), (1, .masked(SocketFamilies.typeMask, t))]))
            }
        }
        refuse("socket", ConditionRegion(terms: raw), eperm, BuiltinRule.rawSockets)

        if existing("personality").canAllow {
            refuse("personality", try noneOf(0, [.eq32(0), .eq32(0xffff_ffff)], name: "personality"), eperm, BuiltinRule.personality)
        }
        refuse("prctl", try anyOf(0, PrctlOptions.refused.map { .eq32($0) }), eperm, BuiltinRule.prctl)
        refuse("ioctl", try anyOf(1, [.eq32(IoctlNames.tiocsti), .eq32(IoctlNames.tioclinux)]), eperm, BuiltinRule.ttyInjection)

        // Setuid/setgid bits, whether set by chmod or given as the mode of a new file (open(O_CREAT),
        // O_TMPFILE, creat, mknod S_IFREG): a file planted so in a shared workspace would be privileged on
        // the host for whoever runs it later. openat2 carries its mode in memory the filter cannot read, so
        // it is refused (ENOSYS, as a kernel without it would answer: programs fall back to openat).
        for (name, index) in [("chmod", 1), ("fchmod", 1), ("fchmodat", 2), ("fchmodat2", 2),
                              ("open", 2), ("openat", 3), ("creat", 1), ("mknod", 1), ("mknodat", 2)] {
            refuse(name, try notAllOf(index, mask: FileModes.setIDBits), eperm, BuiltinRule.setIDBits)
        }
        override("openat2", PlanDecision(verdict: .deny(enosys), rule: BuiltinRule.openat2))
        for (name, index) in [("mknod", 1), ("mknodat", 2)] {
            let harmless = FileModes.harmlessNodeTypes.map { ArgComparison.masked(FileModes.typeMask, $0) }
            if existing(name).canAllow { refuse(name, try noneOf(index, harmless, name: name), eperm, BuiltinRule.deviceNodes) }
        }
    }
}
