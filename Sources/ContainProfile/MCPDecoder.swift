// The `mcp:` section (the transport wall's rules) and `audit:`.

extension ProfileDecoder {
    static let mcpKeys = ["max_line", "tools", "conditions", "commands", "paths", "kubernetes", "rate_limits", "roots"]

    mutating func decodeMCP(_ node: YNode) -> MCPPolicy {
        var m = MCPPolicy()
        if case .scalar(let s, true) = node.kind, YScalar.isNull(s) { return m }
        guard let f = fields(node, "mcp", known: Self.mcpKeys) else { return m }
        if let n = f["max_line"], let v = size(n, "mcp.max_line") {
            if v < 1024 || v > 1 << 30 { error(n.location, "mcp.max_line must be between 1KiB and 1GiB") }
            else { m.maxLineBytes = Int(v) }
        }
        if let n = f["tools"] { m.tools = decodeTools(n) }
        var ids = NamedPlaces()
        func claim(_ id: String, _ at: SourceLocation) {
            if !ids.add(id, at), let prev = ids.place(of: id) {
                error(at, "rule id '\(id)' is already used at \(ref(prev, at)); ids name rules in denials and must be unique")
            }
        }
        if let n = f["conditions"], let items = list(n, "mcp.conditions") {
            for (i, item) in items.enumerated() {
                if let r = decodeCondition(item, index: i) { claim(r.id, item.location); m.conditions.append(r) }
            }
        }
        if let n = f["commands"], let items = list(n, "mcp.commands") {
            for (i, item) in items.enumerated() {
                if let r = decodeCommandRule(item, index: i) { claim(r.id, item.location); m.commands.append(r) }
            }
        }
        if let n = f["paths"], let items = list(n, "mcp.paths") {
            for (i, item) in items.enumerated() {
                if let r = decodePathRule(item, index: i) { claim(r.id, item.location); m.paths.append(r) }
            }
        }
        if let n = f["kubernetes"], let items = list(n, "mcp.kubernetes") {
            for (i, item) in items.enumerated() {
                if let r = decodeKubernetesRule(item, index: i) { claim(r.id, item.location); m.kubernetes.append(r) }
            }
        }
        if let n = f["rate_limits"], let items = list(n, "mcp.rate_limits") {
            for (i, item) in items.enumerated() {
                if let r = decodeRateLimit(item, index: i) { claim(r.id, item.location); m.rateLimits.append(r) }
            }
        }
        if let n = f["roots"], let v = choice(n, "mcp.roots", ["check", "off"]) { m.checkRoots = v == "check" }
        return m
    }

    private mutating func ruleID(_ f: Fields, _ fallback: String) -> String {
        f["id"].flatMap { name($0, "id") } ?? fallback
    }

    private mutating func toolSelector(_ f: Fields, _ what: String, default def: ToolSelector?) -> ToolSelector? {
        guard let n = f["tools"] else { return def }
        guard let t = names(n, "\(what).tools") else { return nil }
        if t.isEmpty { error(n.location, "\(what).tools is empty, so this rule applies to nothing; list tool names or \"*\"") }
        return t
    }

    // MARK: tools

    mutating func decodeTools(_ node: YNode) -> ToolPolicy {
        var t = ToolPolicy()
        guard let f = fields(node, "mcp.tools", known: ["default", "allow", "deny", "hide"]) else { return t }
        if let n = f["default"], let v = choice(n, "mcp.tools.default", ["allow", "deny"]), let d = ToolDefault(rawValue: v) { t.defaultAction = d }
        var allowAt = NamedPlaces()
        if let n = f["allow"], let items = list(n, "mcp.tools.allow") {
            for item in items {
                guard let s = name(item, "a tool name") else { continue }
                if allowAt.add(s, item.location) { t.allow.append(s) }
            }
        }
        for (key, isHide) in [("deny", false), ("hide", true)] {
            guard let n = f[key], let items = list(n, "mcp.tools.\(key)") else { continue }
            var out: [String] = []
            for item in items {
                guard let s = name(item, "a tool name") else { continue }
                if allowAt.contains(s), let at = allowAt.place(of: s) {
                    error(item.location, "tool '\(s)' is both allowed (\(ref(at, item.location))) and \(isHide ? "hidden (hidden tools are denied)" : "denied"); the allow entry can never take effect, remove one")
                }
                if !out.contains(s) { out.append(s) }
            }
            if isHide { t.hide = out } else { t.deny = out }
        }
        if t.defaultAction == .deny, t.allow.isEmpty, f["allow"] != nil || f["default"] != nil {
            if let n = f["default"] { warning(n.location, "mcp.tools.default is deny and nothing is allowed: every tool call will be refused") }
        }
        return t
    }

    // MARK: conditions

    static let conditionOps = ["eq", "in", "glob", "regex", "exists", "lt", "lte", "gt", "gte"]

    mutating func decodeCondition(_ node: YNode, index: Int) -> ConditionRule? {
        guard let f = fields(node, "a condition", known: ["id", "tools", "require", "deny_if"], required: ["tools"]) else { return nil }
        let id = ruleID(f, "conditions[\(index)]")
        let tools = toolSelector(f, "condition '\(id)'", default: nil)
        var r = ConditionRule(id: id, tools: tools ?? [], location: node.location)
        var ok = tools != nil
        if let n = f["require"] {
            if let tests = argumentTests(n, "require") { r.require = tests; checkSatisfiable(n, tests) } else { ok = false }
        }
        if let n = f["deny_if"] {
            if let tests = argumentTests(n, "deny_if") { r.denyIf = tests } else { ok = false }
        }
        if f["require"] == nil, f["deny_if"] == nil {
            error(node.location, "condition '\(id)' has neither require nor deny_if, so it does nothing")
        }
        return ok ? r : nil
    }

    private mutating func argumentTests(_ node: YNode, _ what: String) -> [ArgumentTest]? {
        guard let items = list(node, what) else { return nil }
        var out: [ArgumentTest] = []
        var ok = true
        for item in items {
            guard let f = fields(item, "a \(what) test", known: ["arg"] + Self.conditionOps, required: ["arg"]) else { ok = false; continue }
            guard let an = f["arg"], let arg = name(an, "arg") else { ok = false; continue }
            let ops = Self.conditionOps.filter { f[$0] != nil }
            if ops.isEmpty {
                error(item.location, "test of '\(arg)' has no comparison; add one of \(Self.conditionOps.joined(separator: ", "))")
                ok = false
            }
            for opName in ops {
                guard let v = f[opName], let op = conditionOp(opName, v) else { ok = false; continue }
                out.append(ArgumentTest(argument: arg, op: op))
            }
        }
        return ok ? out : nil
    }

    private mutating func conditionOp(_ op: String, _ v: YNode) -> ConditionOp? {
        switch op {
        case "eq": return jsonScalar(v, "eq").map { .eq($0) }
        case "in":
            guard let items = list(v, "in") else { return nil }
            var vals: [JSONScalar] = []
            for i in items { guard let s = jsonScalar(i, "an entry of in") else { return nil }; vals.append(s) }
            return .in(vals)
        case "glob": return expand(v, "glob").map { .glob($0) }
        case "regex":
            guard let s = text(v, "regex") else { return nil }
            // The transport wall matches with a linear-time engine (ContainRuleKit.SafeRegex): no
            // backreferences or lookaround. Refuse them here so `contain check` agrees with `contain run`.
            for (construct, what) in [("(?=", "lookahead"), ("(?!", "negative lookahead"), ("(?<=", "lookbehind"),
                                      ("(?<!", "negative lookbehind"), ("(?<", "named groups"), ("(?P", "named groups")]
                where s.contains(construct) {
                self.error(v.location, "regex '\(s)': \(what) is not supported (patterns are matched in linear time, whole text)")
                return nil
            }
            if s.unicodeScalars.indices.contains(where: { i in
                s.unicodeScalars[i] == "\\" && s.unicodeScalars.index(after: i) < s.unicodeScalars.endIndex
                    && ("1"..."9").contains(s.unicodeScalars[s.unicodeScalars.index(after: i)])
                    && (i == s.unicodeScalars.startIndex || s.unicodeScalars[s.unicodeScalars.index(before: i)] != "\\")
            }) {
                self.error(v.location, "regex '\(s)': backreferences are not supported (patterns are matched in linear time, whole text)")
                return nil
            }
            do { _ = try Regex(s) } catch {
                self.error(v.location, "regex '\(s)' does not compile: \(error)")
                return nil
            }
            return .regex(s)
        case "exists": return bool(v, "exists").map { .exists($0) }
        case "lt": return number(v, "lt").map { .lt($0) }
        case "lte": return number(v, "lte").map { .lte($0) }
        case "gt": return number(v, "gt").map { .gt($0) }
        default: return number(v, "gte").map { .gte($0) }
        }
    }

    private mutating func jsonScalar(_ v: YNode, _ what: String) -> JSONScalar? {
        guard case .scalar(let s, let plain) = v.kind else {
            error(v.location, "\(what) must be a single value (string, number, boolean or null), found \(v.typeName)")
            return nil
        }
        if plain {
            if YScalar.isNull(s) { return .null }
            if let b = YScalar.bool(s) { return .bool(b) }
            if let d = YScalar.double(s) { return .number(d) }
        }
        return .string(s)
    }

    /// A `require` list whose numeric bounds on one argument exclude every value can never pass.
    private mutating func checkSatisfiable(_ node: YNode, _ tests: [ArgumentTest]) {
        var byArg: [String: (lo: Double, loStrict: Bool, hi: Double, hiStrict: Bool, absent: Bool, other: Bool)] = [:]
        for t in tests {
            var b = byArg[t.argument] ?? (-.infinity, false, .infinity, false, false, false)
            switch t.op {
            case .gt(let v): if v >= b.lo { b.lo = v; b.loStrict = true }
            case .gte(let v): if v > b.lo { b.lo = v; b.loStrict = false }
            case .lt(let v): if v <= b.hi { b.hi = v; b.hiStrict = true }
            case .lte(let v): if v < b.hi { b.hi = v; b.hiStrict = false }
            case .exists(let e): if !e { b.absent = true } else { b.other = true }
            default: b.other = true
            }
            byArg[t.argument] = b
        }
        for (arg, b) in byArg.sorted(by: { $0.key < $1.key }) {
            let hasBounds = b.lo > -.infinity || b.hi < .infinity
            if b.lo > b.hi || (b.lo == b.hi && (b.loStrict || b.hiStrict)) {
                error(node.location, "require on '\(arg)' can never be met: no number is \(b.loStrict ? ">" : ">=") \(JSONScalar.number(b.lo)) and \(b.hiStrict ? "<" : "<=") \(JSONScalar.number(b.hi))")
            } else if b.absent, b.other || hasBounds {
                error(node.location, "require on '\(arg)' can never be met: it requires the argument to be absent and also tests its value")
            }
        }
    }

    // MARK: commands

    static let commandRuleKeys = ["id", "tools", "argument", "form", "allow", "deny", "shell", "builtin_dangerous"]
    static let commandSpecKeys = ["subcommands", "deny_options", "arguments", "path_arguments"]
    static let shellKeys = ["redirections", "substitutions", "subshells", "background", "heredocs", "assignments",
                            "expansions", "globs", "pipes", "lists"]

    mutating func decodeCommandRule(_ node: YNode, index: Int) -> CommandRule? {
        guard let f = fields(node, "a command rule", known: Self.commandRuleKeys, required: ["tools", "argument"]) else { return nil }
        let id = ruleID(f, "commands[\(index)]")
        let tools = toolSelector(f, "command rule '\(id)'", default: nil)
        let argument = f["argument"].flatMap { name($0, "argument") }
        // Decode the rest even when those are missing, so every problem is reported in one run.
        let complete = tools != nil && argument != nil
        var r = CommandRule(id: id, tools: tools ?? [], argument: argument ?? "")
        r.location = node.location
        if let n = f["form"], let v = choice(n, "form", ["argv", "shell", "auto"]), let form = CommandForm(rawValue: v) { r.form = form }
        var allowAt: [String: SourceLocation] = [:]
        if let n = f["allow"] {
            switch n.kind {
            case .sequence(let items):
                for item in items {
                    guard let c = name(item, "a command name") else { continue }
                    allowAt[c] = item.location
                    r.allow[c] = CommandSpec()
                }
            case .mapping(let pairs):
                for p in pairs {
                    allowAt[p.key] = p.keyLocation
                    if let spec = decodeCommandSpec(p.value, p.key) { r.allow[p.key] = spec }
                }
            case .scalar(let s, let plain) where plain && YScalar.isNull(s):
                break
            default:
                error(n.location, "allow must map command names to their rules (ls: {}) or list them ([ls, cat]), found \(n.typeName)")
            }
        }
        if let n = f["deny"], let items = list(n, "deny") {
            for item in items {
                guard let c = name(item, "a command name") else { continue }
                if let at = allowAt[c] {
                    error(item.location, "command '\(c)' is both allowed (\(ref(at, item.location))) and denied; the allow entry can never take effect, remove one")
                }
                if !r.deny.contains(c) { r.deny.append(c) }
            }
        }
        if let n = f["shell"], let g = fields(n, "shell", known: Self.shellKeys) {
            for key in Self.shellKeys {
                guard let v = g[key], let b = bool(v, "shell.\(key)") else { continue }
                switch key {
                case "redirections": r.shell.redirections = b
                case "substitutions": r.shell.substitutions = b
                case "subshells": r.shell.subshells = b
                case "background": r.shell.background = b
                case "heredocs": r.shell.heredocs = b
                case "assignments": r.shell.assignments = b
                case "expansions": r.shell.expansions = b
                case "globs": r.shell.globs = b
                case "pipes": r.shell.pipes = b
                default: r.shell.lists = b
                }
            }
        }
        if let n = f["builtin_dangerous"], let b = bool(n, "builtin_dangerous") { r.builtinDangerous = b }
        return complete ? r : nil
    }

    private mutating func decodeCommandSpec(_ node: YNode, _ command: String) -> CommandSpec? {
        if case .scalar(let s, let plain) = node.kind, plain, YScalar.isNull(s) { return CommandSpec() }
        guard let f = fields(node, "the rules for command '\(command)'", known: Self.commandSpecKeys) else { return nil }
        var spec = CommandSpec()
        if let n = f["subcommands"] {
            if case .scalar(let s, _) = n.kind, s == "*" { spec.subcommands = nil }
            else if let v = names(n, "subcommands") {
                if v.isEmpty { error(n.location, "subcommands is empty, so '\(command)' can never run; leave the key out to allow any subcommand") }
                spec.subcommands = v
            }
        }
        if let n = f["deny_options"], let v = names(n, "deny_options") {
            for (i, o) in v.enumerated() where !o.hasPrefix("-") {
                let loc = (n.kind.items?[safe: i]?.location) ?? n.location
                error(loc, "deny_options entry '\(o)' is not an option (options start with '-')")
            }
            spec.denyOptions = v
        }
        if let n = f["arguments"], let v = names(n, "arguments") {
            if v.isEmpty { warning(n.location, "arguments is empty: '\(command)' may only run without non-option arguments") }
            spec.argumentPatterns = v.compactMap { expand($0, at: n.location, "arguments") }
        }
        if let n = f["path_arguments"], let b = bool(n, "path_arguments") { spec.pathArguments = b }
        return spec
    }

    // MARK: paths

    static let pathRuleKeys = ["id", "tools", "fields", "allow", "deny", "write_tools", "writable"]

    mutating func decodePathRule(_ node: YNode, index: Int) -> PathRule? {
        guard let f = fields(node, "a path rule", known: Self.pathRuleKeys, required: ["allow"]) else { return nil }
        let id = ruleID(f, "paths[\(index)]")
        guard let tools = toolSelector(f, "path rule '\(id)'", default: ["*"]) else { return nil }
        var r = PathRule(id: id, tools: tools)
        r.location = node.location
        if let n = f["fields"], let v = names(n, "fields") { r.fields = v }
        var allowAt = NamedPlaces()
        if let n = f["allow"], let items = list(n, "allow") {
            for item in items {
                guard let g = pathGlob(item) else { continue }
                if allowAt.add(g, item.location) { r.allow.append(g) }
            }
        }
        if let n = f["deny"], let items = list(n, "deny") {
            for item in items {
                guard let g = pathGlob(item) else { continue }
                if allowAt.contains(g), let at = allowAt.place(of: g) { error(item.location, "path '\(g)' is both allowed (\(ref(at, item.location))) and denied; remove one") }
                if !r.deny.contains(g) { r.deny.append(g) }
            }
        }
        if let n = f["write_tools"], let v = names(n, "write_tools") { r.writeTools = v }
        if let n = f["writable"], let b = bool(n, "writable") { r.writable = b }
        return r
    }

    /// Globs are absolute after expansion, or start with `**` (any directory).
    private mutating func pathGlob(_ node: YNode) -> String? {
        guard let raw = text(node, "a path glob"), let g = expand(raw, at: node.location, "a path glob") else { return nil }
        guard g.hasPrefix("/") || g.hasPrefix("**") else {
            error(node.location, "path glob '\(g)' must be absolute (/..., ${WORKSPACE}/..., ~/...) or start with **/")
            return nil
        }
        if g.hasPrefix("/"), PathText.hasDotDot(g) {
            error(node.location, "path glob '\(g)' must not contain '..' components")
            return nil
        }
        return g
    }

    // MARK: kubernetes

    static let kubernetesKeys = ["id", "tools", "namespaces", "cluster_scoped", "verbs", "default_namespace"]

    mutating func decodeKubernetesRule(_ node: YNode, index: Int) -> KubernetesRule? {
        guard let f = fields(node, "a kubernetes rule", known: Self.kubernetesKeys, required: ["namespaces"]) else { return nil }
        let id = ruleID(f, "kubernetes[\(index)]")
        guard let tools = toolSelector(f, "kubernetes rule '\(id)'", default: ["*"]) else { return nil }
        var r = KubernetesRule(id: id, tools: tools)
        r.location = node.location
        if let n = f["namespaces"], let v = names(n, "namespaces") { r.namespaces = v }
        if let n = f["cluster_scoped"], let b = bool(n, "cluster_scoped") { r.allowClusterScoped = b }
        if let n = f["verbs"] {
            if case .scalar(let s, _) = n.kind, s == "*" { r.verbs = nil }
            else if let v = names(n, "verbs") {
                if v.contains("*") { r.verbs = nil } else { r.verbs = v }
            }
        }
        if let n = f["default_namespace"], let v = name(n, "default_namespace") { r.defaultNamespace = v }
        return r
    }

    // MARK: rate limits

    mutating func decodeRateLimit(_ node: YNode, index: Int) -> RateLimit? {
        guard let f = fields(node, "a rate limit", known: ["id", "tools", "count", "per"], required: ["count", "per"]) else { return nil }
        let id = ruleID(f, "rate_limits[\(index)]")
        let tools: ToolSelector?
        if f["tools"] != nil {
            guard let t = toolSelector(f, "rate limit '\(id)'", default: nil) else { return nil }
            tools = t
        } else { tools = nil }
        let count = f["count"].flatMap { integer($0, "count", in: 1...1_000_000_000) }
        let per = f["per"].flatMap { choice($0, "per", ["second", "minute", "hour"]) }
        guard let count, let per else { return nil }
        let seconds: Double = per == "second" ? 1 : per == "minute" ? 60 : 3600
        var r = RateLimit(id: id, tools: tools, count: Int(count), perSeconds: seconds)
        r.location = node.location
        return r
    }

    // MARK: audit

    mutating func decodeAudit(_ node: YNode) -> AuditPolicy {
        var a = AuditPolicy()
        guard let f = fields(node, "audit", known: ["level"]) else { return a }
        if let n = f["level"], let v = choice(n, "audit.level", ["denials", "all"]), let l = AuditLevel(rawValue: v) { a.level = l }
        return a
    }
}

extension YNode.Kind {
    var items: [YNode]? { if case .sequence(let i) = self { return i }; return nil }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
