// `environment.syscalls`: names and groups validated against libseccomp for the native architecture,
// errno names, argument rules with named constants.

extension ProfileDecoder {
    static let syscallKeys = ["default", "errno", "allow", "deny", "kill", "rules", "socket_families",
                              "allow_namespaces", "allow_io_uring", "allow_foreign_arch", "report"]

    mutating func decodeSyscalls(_ node: YNode) -> SyscallPolicy {
        var p = SyscallPolicy()
        guard let f = fields(node, "environment.syscalls", known: Self.syscallKeys) else { return p }
        var errnoValue: Int32 = 1
        if let n = f["errno"], let e = errnoNumber(n, "environment.syscalls.errno") { errnoValue = e }
        if let n = f["default"], let v = choice(n, "environment.syscalls.default", ["deny", "allow", "kill", "log"]) {
            switch v {
            case "allow": p.defaultAction = .allow
            case "kill": p.defaultAction = .kill
            case "log": p.defaultAction = .log
            default: p.defaultAction = .errno(errnoValue)
            }
        } else {
            p.defaultAction = .errno(errnoValue)
        }

        // Names written one by one (not through a group), to catch "allowed and denied" contradictions;
        // a group member that is also denied is the normal "group minus a few" idiom.
        // Names with the place they were first written: a Set<String> for membership and a list for the
        // place, read only when a message needs it. A [String: SourceLocation] has its type metadata
        // looked up by name (a scan of every conformance in the binary) the first time it grows.
        var explicitAllow = NamedPlaces()
        if let n = f["allow"], let items = list(n, "environment.syscalls.allow") {
            var allowed: [String] = []
            // Sized for a whole architecture's table up front: growing the set rehashed it several times.
            var seen = Set<String>(minimumCapacity: 512)
            for item in items {
                guard let s = name(item, "an entry of environment.syscalls.allow") else { continue }
                for sc in syscallNames(s, at: item.location) where seen.insert(sc).inserted { allowed.append(sc) }
                if !s.hasPrefix("@") { explicitAllow.add(s, item.location) }
            }
            p.allow = allowed
        }

        var rules: [SyscallRule] = []
        var denied = NamedPlaces()
        func addUnconditional(_ list: YNode?, _ key: String, kill: Bool, into rules: inout [SyscallRule], decoder d: inout ProfileDecoder) {
            guard let list, let items = d.list(list, "environment.syscalls.\(key)") else { return }
            let entry = "an entry of environment.syscalls.\(key)"
            for item in items {
                var nameNode = item
                var e = errnoValue
                if case .mapping = item.kind {
                    guard let g = d.fields(item, entry,
                                           known: kill ? ["name"] : ["name", "errno"], required: ["name"]),
                          let nn = g["name"] else { continue }
                    nameNode = nn
                    if let en = g["errno"], let v = d.errnoNumber(en, "errno") { e = v }
                }
                guard let s = d.name(nameNode, entry) else { continue }
                for sc in d.syscallNames(s, at: nameNode.location) {
                    if !denied.add(sc, nameNode.location) {
                        if !s.hasPrefix("@"), let other = denied.place(of: sc) {
                            d.warning(nameNode.location, "'\(sc)' is already denied or killed at \(d.ref(other, nameNode.location)); the first entry wins")
                        }
                        continue
                    }
                    if !s.hasPrefix("@"), explicitAllow.contains(sc), let at = explicitAllow.place(of: sc) {
                        d.error(nameNode.location, "'\(sc)' is both allowed (\(d.ref(at, nameNode.location))) and \(kill ? "killed" : "denied"); remove one of them")
                    }
                    rules.append(SyscallRule(id: "syscalls.\(key)", syscall: sc, action: kill ? .kill : .errno(e), location: nameNode.location))
                }
            }
        }
        addUnconditional(f["deny"], "deny", kill: false, into: &rules, decoder: &self)
        addUnconditional(f["kill"], "kill", kill: true, into: &rules, decoder: &self)
        if let n = f["rules"], let items = list(n, "environment.syscalls.rules") {
            var ids = Set<String>()
            for (i, item) in items.enumerated() {
                guard let r = decodeSyscallRule(item, index: i, defaultErrno: errnoValue) else { continue }
                if !ids.insert(r.id).inserted { error(item.location, "duplicate rule id '\(r.id)' in environment.syscalls.rules") }
                rules.append(r)
            }
        }
        p.rules = rules

        if let n = f["socket_families"], let items = list(n, "environment.syscalls.socket_families") {
            var fams: [String] = []
            for item in items {
                guard var s = name(item, "a socket family") else { continue }
                if s.hasPrefix("AF_") { s = String(s.dropFirst(3)).lowercased() }
                if SocketFamilies.number(s) != nil { if !fams.contains(s) { fams.append(s) } }
                else { error(item.location, "unknown socket family '\(s)'\(Suggestion.hint(for: s, in: SocketFamilies.names)); e.g. unix, inet, inet6, netlink") }
            }
            p.socketFamilies = fams
        }
        if let n = f["allow_namespaces"], let v = bool(n, "environment.syscalls.allow_namespaces") { p.allowNamespaceCreation = v }
        if let n = f["allow_io_uring"], let v = bool(n, "environment.syscalls.allow_io_uring") { p.allowIOUring = v }
        if let n = f["allow_foreign_arch"], let v = bool(n, "environment.syscalls.allow_foreign_arch") { p.allowForeignArchitectures = v }
        if let n = f["report"], let v = bool(n, "environment.syscalls.report") { p.report = v }

        // Allowing a call that a switch below refuses anyway can never take effect: say which switch.
        if let n = f["allow"], case .sequence(let items) = n.kind {
            for item in items {
                guard case .scalar(let s, _) = item.kind else { continue }
                if !p.allowIOUring, s == "@io-uring" || s.hasPrefix("io_uring_") {
                    error(item.location, "'\(s)' stays refused while allow_io_uring is false; set allow_io_uring: true (io_uring's I/O is invisible to seccomp)")
                }
                if !p.allowNamespaceCreation, s == "setns" {
                    error(item.location, "'setns' stays refused while allow_namespaces is false; set allow_namespaces: true")
                }
            }
        }
        return p
    }

    /// A syscall name or `@group` -> native syscall names; unknown ones reported (foreign-only ones warned about).
    mutating func syscallNames(_ s: String, at loc: SourceLocation) -> [String] {
        if s.hasPrefix("@") {
            if let members = SyscallGroups.expand(s) { return members }
            error(loc, "unknown syscall group '\(s)'\(Suggestion.hint(for: s, in: SyscallGroups.names)); `contain check --groups` lists them")
            return []
        }
        if SyscallNames.isNative(s) { return [s] }
        if SyscallNames.isForeignOnly(s) {
            warning(loc, "'\(s)' is not a syscall on this architecture; ignored (foreign architectures are handled by allow_foreign_arch)")
            return []
        }
        error(loc, "unknown syscall '\(s)'\(Suggestion.hint(for: s, in: SyscallNames.native))")
        return []
    }

    mutating func errnoNumber(_ node: YNode, _ what: String) -> Int32? {
        guard case .scalar(let s, _) = node.kind else {
            error(node.location, "\(what) must be an errno name such as EPERM or a number, found \(node.typeName)")
            return nil
        }
        if let v = YScalar.integer(s) {
            guard (1...4095).contains(v) else { error(node.location, "\(what) must be between 1 and 4095, found \(v)"); return nil }
            return Int32(v)
        }
        if let v = ErrnoNames.number(s) { return v }
        error(node.location, "unknown errno name '\(s)'\(Suggestion.hint(for: s, in: ErrnoNames.table.map(\.0)))")
        return nil
    }

    static let syscallRuleKeys = ["id", "syscall", "action", "errno", "args"]
    static let argKeys = ["index", "op", "value", "mask"]

    mutating func decodeSyscallRule(_ node: YNode, index: Int, defaultErrno: Int32) -> SyscallRule? {
        guard let f = fields(node, "a syscall rule", known: Self.syscallRuleKeys, required: ["syscall", "action"]) else { return nil }
        var ok = true
        let id = f["id"].flatMap { name($0, "a rule id") } ?? "syscalls.rules[\(index)]"
        var syscall = ""
        if let n = f["syscall"], let s = name(n, "syscall") {
            if s.hasPrefix("@") { error(n.location, "an argument rule names one syscall, not a group ('\(s)')"); ok = false }
            else if let sc = syscallNames(s, at: n.location).first { syscall = sc } else { ok = false }
        } else { ok = false }
        var action: SyscallAction = .errno(defaultErrno)
        if let n = f["action"], let a = choice(n, "action", ["allow", "deny", "kill", "log"]) {
            var e = defaultErrno
            if let en = f["errno"] {
                if a != "deny" { error(en.location, "errno applies only to action: deny") }
                if let v = errnoNumber(en, "errno") { e = v }
            }
            switch a {
            case "allow": action = .allow
            case "kill": action = .kill
            case "log": action = .log
            default: action = .errno(e)
            }
        } else { ok = false }
        var conds: [ArgCondition] = []
        if let n = f["args"], let items = list(n, "args") {
            var usedIndexes: [Int: SourceLocation] = [:]
            for item in items {
                guard let c = decodeArgCondition(item) else { ok = false; continue }
                if let prev = usedIndexes[c.index], c.op == .eq || c.op == .maskedEq {
                    // libseccomp refuses two comparisons on one argument in a rule; say so here, not at run time.
                    error(item.location, "argument \(c.index) is already compared at \(ref(prev, item.location)); one comparison per argument in a rule (write two rules)")
                    ok = false
                }
                usedIndexes[c.index] = item.location
                conds.append(c)
            }
        }
        guard ok else { return nil }
        return SyscallRule(id: id, syscall: syscall, action: action, args: conds, location: node.location)
    }

    mutating func decodeArgCondition(_ node: YNode) -> ArgCondition? {
        guard let f = fields(node, "an argument comparison", known: Self.argKeys, required: ["index", "op", "value"]) else { return nil }
        guard let iN = f["index"], let idx = integer(iN, "index", in: 0...5),
              let oN = f["op"], let opName = choice(oN, "op", ["eq", "ne", "lt", "le", "gt", "ge", "masked_eq"]),
              let op = ArgCompareOp(rawValue: opName),
              let vN = f["value"], let value = argValue(vN, "value") else {
            // Still look at the mask so all of its problems are reported.
            if let mN = f["mask"] { _ = argValue(mN, "mask") }
            return nil
        }
        var mask = UInt64.max
        if let mN = f["mask"] {
            guard let m = argValue(mN, "mask") else { return nil }
            guard op == .maskedEq else { error(mN.location, "mask is only used with op: masked_eq"); return nil }
            mask = m
        } else if op == .maskedEq {
            error(node.location, "op: masked_eq needs a mask (e.g. mask: 0xffffffff to compare the low 32 bits)")
            return nil
        }
        if op == .maskedEq, value & ~mask != 0 {
            error(vN.location, "this comparison can never match: value 0x\(String(value, radix: 16)) has bits outside mask 0x\(String(mask, radix: 16))")
            return nil
        }
        return ArgCondition(index: Int(idx), op: op, value: value, mask: mask)
    }

    /// A number, a constant name (TIOCSTI, AF_NETLINK, CLONE_NEWUSER...), or names joined with `|`.
    mutating func argValue(_ node: YNode, _ what: String) -> UInt64? {
        guard case .scalar(let s, _) = node.kind, !s.isEmpty else {
            error(node.location, "\(what) must be a number or a constant name such as TIOCSTI, found \(node.typeName)")
            return nil
        }
        var total: UInt64 = 0
        for part in s.split(separator: "|") {
            let t = String(part).trimmingSpaces()
            if let v = YScalar.unsigned(t) { total |= v; continue }
            if let v = YScalar.integer(t), v < 0 { total |= UInt64(bitPattern: v); continue }
            if let v = ArgumentConstants.value(t) { total |= v; continue }
            error(node.location, "\(what): unknown constant '\(t)'\(Suggestion.hint(for: t, in: ArgumentConstants.names)); use a number or a documented name")
            return nil
        }
        return total
    }
}

/// Names with the place each was first written. Membership is a set lookup; the place, which only messages
/// need, is found by a scan while the list is short and through a dictionary once it is long (so a huge
/// hostile list cannot make every message a scan of it).
struct NamedPlaces {
    private static let scanLimit = 64
    private var names = Set<String>()
    private var places: [(String, SourceLocation)] = []
    private var index: [String: SourceLocation]?

    /// Records `name` at `location` unless it is already there; false when it was.
    @discardableResult
    mutating func add(_ name: String, _ location: SourceLocation) -> Bool {
        guard names.insert(name).inserted else { return false }
        if index != nil {
            index?[name] = location
        } else {
            places.append((name, location))
            if places.count > Self.scanLimit {
                index = Dictionary(places, uniquingKeysWith: { first, _ in first })
                places = []
            }
        }
        return true
    }

    func contains(_ name: String) -> Bool { names.contains(name) }

    func place(of name: String) -> SourceLocation? {
        if let index { return index[name] }
        return places.first { $0.0 == name }?.1
    }
}
