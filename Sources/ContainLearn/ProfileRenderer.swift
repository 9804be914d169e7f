// Profile value -> commented YAML (schema v1) that the loader reads back into the same value. Used for learned
// profiles and for `--from` merges, so a base profile and its merge are rendered the same way and their diff
// shows only what learning added.
//
// Only values that differ from the schema's defaults are written, except the lists a reader looks for first
// (filesystem, network, syscalls). Syscall names the profile holds expanded are regrouped: a group whose every
// native member is allowed is written as `@group`.

import ContainProfile

/// Comments attached to rendered entries, keyed by what they describe.
public struct ProfileAnnotations: Sendable {
    /// Lines at the top of the file.
    public var header: [String] = []
    public var description: String?
    /// "fs:<path>", "syscall:<name>", "net:<host:port>", "tool:<name>", "cmd:<rule id>:<command>",
    /// "glob:<rule id>:<glob>", "ns:<rule id>:<namespace>" -> a short trailing comment.
    public var entries: [String: String] = [:]
    /// "environment.syscalls", "mcp.commands", ... -> comment lines written above that key.
    public var sections: [String: [String]] = [:]
    /// What the user should look at: written as comments at the end.
    public var review: [String] = []
    public init() {}
}

public struct ProfileRenderer: Sendable {
    public var workspace: String
    public var home: String

    public init(workspace: String, home: String) {
        self.workspace = LexicalPath.normalize(workspace)
        self.home = home.isEmpty ? "" : LexicalPath.normalize(home)
    }

    /// `${WORKSPACE}` and `${HOME}` put back into an absolute path (or path glob); the workspace first, since it
    /// usually lies inside the home directory.
    public func variablePath(_ p: String) -> String {
        for (root, name) in [(workspace, "${WORKSPACE}"), (home, "${HOME}")] where root.count > 1 {
            if p == root { return name }
            if p.hasPrefix(root + "/") { return name + Self.literal(String(p.dropFirst(root.count))) }
        }
        return Self.literal(p)
    }

    /// A value the loader expands variables in, written so it expands back to itself (`$` is `$$`).
    static func literal(_ s: String) -> String {
        s.contains("$") ? s.split(separator: "$", omittingEmptySubsequences: false).joined(separator: "$$") : s
    }

    /// Free text (review lines, comments) with the workspace and home paths in it written as variables.
    public func variableText(_ text: String) -> String {
        var out = text
        for (root, name) in [(workspace, "${WORKSPACE}"), (home, "${HOME}")] where root.count > 1 {
            var result = ""
            var rest = Substring(out)
            while let r = rest.firstRange(of: root) {
                let after = rest[r.upperBound...].first
                let before = r.lowerBound > rest.startIndex ? rest[rest.index(before: r.lowerBound)] : nil
                let boundaryAfter = after == nil || "/:, );\"'".contains(after ?? " ")
                let boundaryBefore = before == nil || before != "/" && !(before?.isLetter ?? false) && !(before?.isNumber ?? false)
                result += rest[..<r.lowerBound]
                result += boundaryAfter && boundaryBefore ? name : root
                rest = rest[r.upperBound...]
            }
            out = result + rest
        }
        return out
    }

    public func render(_ p: Profile, _ annotations: ProfileAnnotations = ProfileAnnotations()) -> String {
        var a = annotations
        a.entries = a.entries.mapValues(variableText)
        a.sections = a.sections.mapValues { $0.map(variableText) }
        var y = YAMLLines()
        for h in a.header { y.comment(variableText(h)) }
        if !a.header.isEmpty { y.blank() }
        y.key("version", String(p.version))
        if let d = a.description { y.key("description", YAMLText.quoted(d)) }
        if p.bestEffort { y.key("best_effort", "true") }
        y.blank()
        renderEnvironment(p.environment, a, into: &y)
        if let m = p.mcp {
            y.blank()
            renderMCP(m, a, into: &y)
        }
        if p.audit.level != AuditPolicy().level {
            y.blank()
            y.key("audit")
            y.nest { $0.key("level", p.audit.level.rawValue) }
        }
        if !a.review.isEmpty {
            y.blank()
            y.comment("Review (learned from one run; check before relying on this profile):")
            for r in a.review { y.comment("  - " + variableText(r)) }
        }
        return y.text
    }

    private func section(_ key: String, _ a: ProfileAnnotations, _ y: inout YAMLLines) {
        for line in a.sections[key] ?? [] { y.comment(line) }
    }

    // MARK: - environment

    private func renderEnvironment(_ e: EnvironmentPolicy, _ a: ProfileAnnotations, into y: inout YAMLLines) {
        y.key("environment")
        y.nest { y in
            var defaultNS = Set(Namespace.allCases)
            if e.network == .host { defaultNS.remove(.net) }
            if e.namespaces != defaultNS {
                let names = Namespace.allCases.filter { e.namespaces.contains($0) }.map(\.rawValue)
                y.key("namespaces", "[" + names.joined(separator: ", ") + "]")
            }
            section("environment.filesystem", a, &y)
            y.key("filesystem")
            y.nest { y in
                let fs = e.filesystem
                for (key, list) in [("read", fs.read), ("execute", fs.execute), ("write", fs.write), ("deny", fs.deny)] where !list.isEmpty {
                    y.key(key)
                    y.nest { y in
                        for path in list { y.item(YAMLText.scalar(variablePath(path)), note: a.entries["fs:" + path]) }
                    }
                }
                if !fs.privateTmp { y.key("tmp", "none") }
                if fs.dev != .minimal { y.key("dev", fs.dev.rawValue) }
                if !fs.proc { y.key("proc", "false") }
                if !fs.runtime { y.key("runtime", "off") }
                if fs.read.isEmpty && fs.execute.isEmpty && fs.write.isEmpty && fs.deny.isEmpty
                    && fs.privateTmp && fs.dev == .minimal && fs.proc && fs.runtime {
                    y.key("runtime", "auto")
                }
            }
            section("environment.network", a, &y)
            switch e.network {
            case .none: y.key("network", "none")
            case .host: y.key("network", "host")
            case .allow(let dests):
                y.key("network")
                y.nest { y in
                    y.key("allow")
                    y.nest { y in
                        for d in dests { y.item(YAMLText.quoted(d.description), note: a.entries["net:" + d.description]) }
                    }
                }
            }
            let env = e.env
            let defaultEnv = EnvPolicy()
            if env.keep != defaultEnv.keep || !env.set.isEmpty {
                section("environment.env", a, &y)
                y.key("env")
                y.nest { y in
                    y.key("keep", "[" + env.keep.map(YAMLText.scalar).joined(separator: ", ") + "]")
                    if !env.set.isEmpty {
                        y.key("set")
                        y.nest { y in
                            for (k, v) in env.set.sorted(by: { $0.key < $1.key }) { y.key(k, YAMLText.quoted(Self.literal(v))) }
                        }
                    }
                }
            }
            renderLimits(e.limits, into: &y)
            if e.rootMapsTo != EnvironmentPolicy().rootMapsTo { y.key("root_maps_to", String(e.rootMapsTo)) }
            renderSyscalls(e.syscalls, a, into: &y)
        }
    }

    private func renderLimits(_ l: Limits, into y: inout YAMLLines) {
        let d = Limits()
        let items: [(String, UInt64?, UInt64?, Bool)] = [
            ("nofile", l.nofile, d.nofile, false), ("nproc", l.nproc, d.nproc, false), ("as", l.addressSpace, d.addressSpace, true),
            ("fsize", l.fileSize, d.fileSize, true), ("cpu", l.cpuSeconds, d.cpuSeconds, false), ("core", l.core, d.core, true),
            ("stack", l.stack, d.stack, true),
        ]
        let changed = items.filter { $0.1 != $0.2 }
        guard !changed.isEmpty else { return }
        let parts = changed.map { item -> String in
            guard let v = item.1 else { return "\(item.0): null" }
            if v == .max { return "\(item.0): unlimited" }
            return "\(item.0): " + (item.3 ? Self.size(v) : String(v))
        }
        y.key("limits", "{ " + parts.joined(separator: ", ") + " }")
    }

    static func size(_ v: UInt64) -> String {
        for (shift, suffix) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] where v != 0 && v % (1 << UInt64(shift)) == 0 {
            return "\(v >> UInt64(shift))\(suffix)"
        }
        return String(v)
    }

    private func renderSyscalls(_ s: SyscallPolicy, _ a: ProfileAnnotations, into y: inout YAMLLines) {
        section("environment.syscalls", a, &y)
        y.key("syscalls")
        y.nest { y in
            var errnoValue: Int32 = 1
            switch s.defaultAction {
            case .allow: y.key("default", "allow")
            case .kill: y.key("default", "kill")
            case .log: y.key("default", "log")
            case .errno(let e):
                errnoValue = e
                y.key("default", "deny")
                if e != 1 { y.key("errno", ErrnoNames.name(e) ?? String(e)) }
            }
            if !s.allow.isEmpty {
                y.key("allow")
                y.nest { y in
                    let (groups, names) = SyscallRegrouper.regroup(s.allow, allowIOUring: s.allowIOUring)
                    for g in groups { y.item(YAMLText.quoted(g), note: a.entries["syscall:" + g]) }
                    for n in names { y.item(YAMLText.scalar(n), note: a.entries["syscall:" + n]) }
                }
            }
            // Unconditional deny/kill entries came from the deny/kill lists; argument rules keep their ids.
            let plainDeny = s.rules.filter { $0.id == "syscalls.deny" && $0.args.isEmpty }
            let plainKill = s.rules.filter { $0.id == "syscalls.kill" && $0.args.isEmpty && $0.action == .kill }
            let others = s.rules.filter { r in !(r.args.isEmpty && (r.id == "syscalls.deny" || (r.id == "syscalls.kill" && r.action == .kill))) }
            if !plainDeny.isEmpty {
                y.key("deny")
                y.nest { y in
                    var byErrno: [Int32: [String]] = [:]
                    var order: [Int32] = []
                    for r in plainDeny {
                        let e: Int32 = { if case .errno(let v) = r.action { return v }; return errnoValue }()
                        if byErrno[e] == nil { order.append(e) }
                        byErrno[e, default: []].append(r.syscall)
                    }
                    for e in order {
                        let (groups, names) = SyscallRegrouper.regroup(byErrno[e] ?? [], allowIOUring: true)
                        for n in groups + names {
                            if e == errnoValue { y.item(YAMLText.scalar(n)) }
                            else { y.item("{ name: \(YAMLText.scalar(n)), errno: \(ErrnoNames.name(e) ?? String(e)) }") }
                        }
                    }
                }
            }
            if !plainKill.isEmpty {
                let (groups, names) = SyscallRegrouper.regroup(plainKill.map(\.syscall), allowIOUring: true)
                y.key("kill", "[" + (groups + names).map(YAMLText.scalar).joined(separator: ", ") + "]")
            }
            if !others.isEmpty {
                y.key("rules")
                y.nest { y in
                    for r in others {
                        var parts = ["id: \(YAMLText.scalar(r.id))", "syscall: \(r.syscall)"]
                        switch r.action {
                        case .allow: parts.append("action: allow")
                        case .kill: parts.append("action: kill")
                        case .log: parts.append("action: log")
                        case .errno(let e):
                            parts.append("action: deny")
                            if e != errnoValue { parts.append("errno: \(ErrnoNames.name(e) ?? String(e))") }
                        }
                        if !r.args.isEmpty {
                            let args = r.args.map { c -> String in
                                var t = "{ index: \(c.index), op: \(c.op.rawValue), value: 0x\(String(c.value, radix: 16))"
                                if c.op == .maskedEq { t += ", mask: 0x\(String(c.mask, radix: 16))" }
                                return t + " }"
                            }
                            parts.append("args: [" + args.joined(separator: ", ") + "]")
                        }
                        y.item("{ " + parts.joined(separator: ", ") + " }")
                    }
                }
            }
            y.key("socket_families", "[" + s.socketFamilies.joined(separator: ", ") + "]", note: a.entries["socket_families"])
            let d = SyscallPolicy()
            if s.allowNamespaceCreation != d.allowNamespaceCreation { y.key("allow_namespaces", String(s.allowNamespaceCreation), note: a.entries["allow_namespaces"]) }
            if s.allowIOUring != d.allowIOUring { y.key("allow_io_uring", String(s.allowIOUring), note: a.entries["allow_io_uring"]) }
            if s.allowForeignArchitectures != d.allowForeignArchitectures { y.key("allow_foreign_arch", String(s.allowForeignArchitectures)) }
            if s.report != d.report { y.key("report", String(s.report)) }
        }
    }

    // MARK: - mcp

    private func renderMCP(_ m: MCPPolicy, _ a: ProfileAnnotations, into y: inout YAMLLines) {
        section("mcp", a, &y)
        y.key("mcp")
        y.nest { y in
            if m.maxLineBytes != MCPPolicy().maxLineBytes { y.key("max_line", Self.size(UInt64(m.maxLineBytes))) }
            section("mcp.tools", a, &y)
            y.key("tools")
            y.nest { y in
                y.key("default", m.tools.defaultAction.rawValue)
                for (key, list) in [("allow", m.tools.allow), ("deny", m.tools.deny), ("hide", m.tools.hide)] where !list.isEmpty {
                    y.key(key)
                    y.nest { y in for t in list { y.item(YAMLText.scalar(t), note: a.entries["tool:" + t]) } }
                }
            }
            if !m.conditions.isEmpty {
                y.key("conditions")
                y.nest { y in
                    for c in m.conditions {
                        y.item("id: " + YAMLText.scalar(c.id))
                        y.nest { y in
                            y.key("tools", flowList(c.tools))
                            for (key, tests) in [("require", c.require), ("deny_if", c.denyIf)] where !tests.isEmpty {
                                y.key(key)
                                y.nest { y in for t in tests { y.item(argumentTest(t)) } }
                            }
                        }
                    }
                }
            }
            if !m.commands.isEmpty {
                section("mcp.commands", a, &y)
                y.key("commands")
                y.nest { y in for r in m.commands { renderCommandRule(r, a, into: &y) } }
            }
            if !m.paths.isEmpty {
                section("mcp.paths", a, &y)
                y.key("paths")
                y.nest { y in
                    for r in m.paths {
                        y.item("id: " + YAMLText.scalar(r.id))
                        y.nest { y in
                            y.key("tools", flowList(r.tools))
                            if !r.fields.isEmpty { y.key("fields", flowList(r.fields)) }
                            y.key("allow")
                            y.nest { y in for g in r.allow { y.item(YAMLText.scalar(variablePath(g)), note: a.entries["glob:\(r.id):\(g)"]) } }
                            if !r.deny.isEmpty {
                                y.key("deny")
                                y.nest { y in for g in r.deny { y.item(YAMLText.quoted(variablePath(g))) } }
                            }
                            if r.writeTools != PathRule(id: "", tools: []).writeTools { y.key("write_tools", flowList(r.writeTools)) }
                            if !r.writable { y.key("writable", "false") }
                        }
                    }
                }
            }
            if !m.kubernetes.isEmpty {
                section("mcp.kubernetes", a, &y)
                y.key("kubernetes")
                y.nest { y in
                    for r in m.kubernetes {
                        y.item("id: " + YAMLText.scalar(r.id))
                        y.nest { y in
                            y.key("tools", flowList(r.tools))
                            y.key("namespaces")
                            y.nest { y in for n in r.namespaces { y.item(YAMLText.scalar(n), note: a.entries["ns:\(r.id):\(n)"]) } }
                            if r.allowClusterScoped { y.key("cluster_scoped", "true") }
                            if r.verbs != KubernetesRule(id: "", tools: []).verbs {
                                y.key("verbs", r.verbs.map(flowList) ?? YAMLText.quoted("*"))
                            }
                            if r.defaultNamespace != "default" { y.key("default_namespace", YAMLText.scalar(r.defaultNamespace)) }
                        }
                    }
                }
            }
            if !m.rateLimits.isEmpty {
                y.key("rate_limits")
                y.nest { y in
                    for r in m.rateLimits {
                        let per = r.perSeconds <= 1 ? "second" : r.perSeconds <= 60 ? "minute" : "hour"
                        var parts = ["id: \(YAMLText.scalar(r.id))"]
                        if let t = r.tools { parts.append("tools: \(flowList(t))") }
                        parts += ["count: \(r.count)", "per: \(per)"]
                        y.item("{ " + parts.joined(separator: ", ") + " }")
                    }
                }
            }
            if !m.checkRoots { y.key("roots", "off") }
        }
    }

    private func renderCommandRule(_ r: CommandRule, _ a: ProfileAnnotations, into y: inout YAMLLines) {
        y.item("id: " + YAMLText.scalar(r.id))
        y.nest { y in
            y.key("tools", flowList(r.tools))
            y.key("argument", YAMLText.scalar(r.argument))
            if r.form != .auto { y.key("form", r.form.rawValue) }
            if r.allow.isEmpty {
                y.key("allow", "{}")
            } else {
                y.key("allow")
                y.nest { y in
                    for (name, spec) in r.allow.sorted(by: { $0.key < $1.key }) {
                        var parts: [String] = []
                        if let subs = spec.subcommands { parts.append("subcommands: " + flowList(subs)) }
                        if !spec.denyOptions.isEmpty { parts.append("deny_options: " + flowList(spec.denyOptions)) }
                        if let pats = spec.argumentPatterns { parts.append("arguments: " + flowList(pats.map(variablePath))) }
                        if spec.pathArguments { parts.append("path_arguments: true") }
                        let value = parts.isEmpty ? "{}" : "{ " + parts.joined(separator: ", ") + " }"
                        y.key(YAMLText.scalar(name), value, note: a.entries["cmd:\(r.id):\(name)"])
                    }
                }
            }
            if !r.deny.isEmpty { y.key("deny", flowList(r.deny)) }
            let d = ShellAllowances()
            let sh = r.shell
            let flags: [(String, Bool, Bool)] = [
                ("redirections", sh.redirections, d.redirections), ("substitutions", sh.substitutions, d.substitutions),
                ("subshells", sh.subshells, d.subshells), ("background", sh.background, d.background),
                ("heredocs", sh.heredocs, d.heredocs), ("assignments", sh.assignments, d.assignments),
                ("expansions", sh.expansions, d.expansions), ("globs", sh.globs, d.globs), ("pipes", sh.pipes, d.pipes),
                ("lists", sh.lists, d.lists),
            ]
            let changed = flags.filter { $0.1 != $0.2 }
            if !changed.isEmpty {
                y.key("shell", "{ " + changed.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + " }", note: a.entries["shell:\(r.id)"])
            }
            if !r.builtinDangerous { y.key("builtin_dangerous", "false") }
        }
    }

    private func flowList(_ items: [String]) -> String {
        "[" + items.map(YAMLText.scalar).joined(separator: ", ") + "]"
    }

    private func argumentTest(_ t: ArgumentTest) -> String {
        let v: String
        switch t.op {
        case .eq(let s): v = "eq: " + jsonScalar(s)
        case .in(let list): v = "in: [" + list.map(jsonScalar).joined(separator: ", ") + "]"
        case .glob(let g): v = "glob: " + YAMLText.quoted(variablePath(g))
        case .regex(let r): v = "regex: " + YAMLText.quoted(r)
        case .exists(let b): v = "exists: \(b)"
        case .lt(let d): v = "lt: " + JSONScalar.number(d).description
        case .lte(let d): v = "lte: " + JSONScalar.number(d).description
        case .gt(let d): v = "gt: " + JSONScalar.number(d).description
        case .gte(let d): v = "gte: " + JSONScalar.number(d).description
        }
        return "{ arg: \(YAMLText.scalar(t.argument)), \(v) }"
    }

    private func jsonScalar(_ s: JSONScalar) -> String {
        switch s {
        case .string(let t): return YAMLText.quoted(t)
        default: return s.description
        }
    }
}

/// Syscall names -> the groups wholly contained in them, plus the names left over.
enum SyscallRegrouper {
    static func regroup(_ names: [String], allowIOUring: Bool) -> (groups: [String], names: [String]) {
        let set = Set(names)
        var covered = Set<String>()
        var groups: [String] = []
        let candidates = SyscallGroups.table.compactMap { g -> (String, [String])? in
            guard g.name != "@io-uring" || allowIOUring, let members = SyscallGroups.expand(g.name), !members.isEmpty else { return nil }
            return (g.name, members)
        }.sorted { $0.1.count != $1.1.count ? $0.1.count > $1.1.count : $0.0 < $1.0 }
        for (name, members) in candidates where members.allSatisfy(set.contains) {
            // A group needs at least two members to say more than the name would.
            guard members.count >= 2, members.contains(where: { !covered.contains($0) }) else { continue }
            groups.append(name)
            covered.formUnion(members)
        }
        var seen = Set<String>()
        let rest = names.filter { !covered.contains($0) && seen.insert($0).inserted }.sorted()
        return (groups.sorted(), rest)
    }
}
