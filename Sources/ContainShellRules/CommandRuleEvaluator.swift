// The `command` rule kind: decides whether a shell-exec tool call runs only allowed commands.
//
// Two input forms:
//  - argv (a JSON array of strings), as mcp-shell-server takes it: element 0 is the command; a lone `|`, `;`,
//    `&&` or `||` element starts another command; a lone `>`, `>>` or `<` element is a redirection of the
//    next element (mcp-shell-server opens that file itself). Empty elements are dropped, as the server does.
//  - a shell string, parsed by ShellParser; every simple command anywhere in it is checked.
// Anything else in the argument (missing, a number, nested arrays, non-string elements) is refused.

import ContainProfile
import ContainRuleKit

public struct CommandRuleEvaluator: ToolCallRule {
    public let rule: CommandRule
    private let allowedByName: [String: CommandSpec]
    private let allowedByPath: [String: CommandSpec]
    private let deniedNames: Set<String>
    private let deniedPaths: Set<String>

    public init(rule: CommandRule) {
        self.rule = rule
        var byName: [String: CommandSpec] = [:], byPath: [String: CommandSpec] = [:]
        for (k, v) in rule.allow {
            if k.hasPrefix("/") { byPath[CommandName.normalize(k) ?? k] = v } else { byName[k] = v }
        }
        allowedByName = byName
        allowedByPath = byPath
        deniedNames = Set(rule.deny.filter { !$0.hasPrefix("/") })
        deniedPaths = Set(rule.deny.filter { $0.hasPrefix("/") }.map { CommandName.normalize($0) ?? $0 })
    }

    public var id: String { rule.id }

    public func applies(to tool: String) -> Bool { Glob.matchAny(rule.tools, tool) }

    public func evaluate(_ call: ToolCall, context: RuleContext) -> RuleVerdict {
        // Commands run in the tool's `directory` argument when it has one (mcp-shell-server), else in the
        // server's working directory; allowed redirections may write only below the working directory.
        var base = context.workingDirectory
        if let d = call.arguments["directory"]?.stringValue, d.hasPrefix("/") { base = d }
        let scope = RedirectionScope(root: context.workingDirectory, base: base)
        switch check(arguments: call.arguments, scope: scope) {
        case .allowed: return .allow
        case .denied(let reason, _): return .deny(rule: rule.id, reason: reason)
        }
    }

    /// The outcome with the parsed command line (for audit records).
    public enum Outcome: Sendable, Equatable {
        case allowed(commandLine: String)
        /// `reason` already ends with the parsed command line.
        case denied(reason: String, commandLine: String)

        public var isAllowed: Bool { if case .allowed = self { return true }; return false }
    }

    /// Where allowed redirections may write: below `root`; relative targets are resolved against `base`.
    public struct RedirectionScope: Sendable, Equatable {
        public var root: String
        public var base: String
        public init(root: String, base: String) { self.root = root; self.base = base }
    }

    public func check(arguments: JSONValue, scope: RedirectionScope? = nil) -> Outcome {
        guard case .object = arguments else {
            return .denied(reason: "tool arguments are not an object", commandLine: "")
        }
        guard let value = arguments[rule.argument] else {
            return .denied(reason: "argument '\(rule.argument)' is missing", commandLine: "")
        }
        switch (value, rule.form) {
        case (.array(let items), .argv), (.array(let items), .auto):
            var argv: [String] = []
            for (n, item) in items.enumerated() {
                guard case .string(let s) = item else {
                    return .denied(reason: "argument '\(rule.argument)' element \(n) is not a string", commandLine: "")
                }
                argv.append(s)
            }
            return check(argv: argv, scope: scope)
        case (.string(let s), .shell), (.string(let s), .auto):
            return check(shell: s, scope: scope)
        case (.string, .argv):
            return .denied(reason: "argument '\(rule.argument)' must be an argv array of strings", commandLine: "")
        case (.array, .shell):
            return .denied(reason: "argument '\(rule.argument)' must be a shell command string", commandLine: "")
        default:
            return .denied(reason: "argument '\(rule.argument)' is neither an argv array nor a command string", commandLine: "")
        }
    }

    // MARK: argv form

    public func check(argv raw: [String], scope: RedirectionScope? = nil) -> Outcome {
        if raw.contains(where: { $0.utf8.contains(0) }) {
            return .denied(reason: "NUL byte in argv", commandLine: CommandLineRendering.render(argv: raw))
        }
        let argv = raw.filter { !$0.isEmpty }
        let line = CommandLineRendering.clip(CommandLineRendering.render(argv: argv), limit: 400)
        var commands: [SimpleCommand] = []
        var constructs: ShellConstructs = []
        var current = SimpleCommand()
        // A structural problem is reported after the commands are checked, so the reason names the more
        // telling problem (`find . -exec id ;` is about -exec, not about the trailing `;`).
        var structural: String?
        var k = 0
        func flush() -> Bool {
            if current.words.isEmpty, current.redirections.isEmpty { return false }
            commands.append(current)
            current = SimpleCommand()
            return true
        }
        while k < argv.count {
            let a = argv[k]
            switch a {
            case "|", ";", "&&", "||":
                constructs.insert(a == "|" ? .pipes : .lists)
                if !flush(), structural == nil { structural = "empty command before '\(a)'" }
            case ">", ">>", "<":
                constructs.insert(.redirections)
                guard k + 1 < argv.count else { structural = structural ?? "redirection '\(a)' without a target"; break }
                let op: RedirectionOperator = a == ">" ? .output : a == ">>" ? .append : .input
                let t = argv[k + 1]
                current.redirections.append(ShellRedirection(fd: nil, op: op, target: ShellWord(text: t, raw: t)))
                k += 1
            default:
                current.words.append(ShellWord(text: a, raw: a))
            }
            k += 1
        }
        if !flush(), structural == nil {
            structural = commands.isEmpty ? "empty command" : "missing command after the last operator"
        }
        let outcome = decide(ShellScript(commands: commands, constructs: constructs), line: line, scope: scope)
        if outcome.isAllowed, let structural { return deny(structural, line) }
        if commands.isEmpty, let structural { return deny(structural, line) }
        return outcome
    }

    // MARK: shell form

    public func check(shell: String, scope: RedirectionScope? = nil) -> Outcome {
        switch ShellParser.parse(shell) {
        case .failure(let e):
            let shown = CommandLineRendering.quote(CommandLineRendering.clip(shell, limit: 200))
            return .denied(reason: "shell command not accepted: \(e.reason); command: \(shown)", commandLine: shown)
        case .success(let script):
            let line = CommandLineRendering.render(script.commands)
            if script.commands.isEmpty { return deny("empty command", line) }
            let outcome = decide(script, line: line, scope: scope)
            guard outcome.isAllowed else { return outcome }
            // Some servers take a string and run it without a shell (shlex.split, then exec). Then comments,
            // operators and redirection targets are plain arguments of the first command (`find . # -delete`),
            // so the string must also pass as that one argv.
            guard let words = NoShellSplit.split(shell) else {
                return deny("the command cannot be split into words without a shell (unterminated quote)", line)
            }
            let plain = SimpleCommand(words: words.map { ShellWord(text: $0, raw: $0) })
            let shellFirst = script.commands.first { !$0.words.isEmpty }?.words.first?.text
            if let name = words.first, name != shellFirst {
                // A different first word: `ls;`, `A=1`, `2>x`, `$ls`... No program of such a name is on a
                // system PATH; anything else is a disagreement this rule cannot reason about.
                if name.utf8.contains(where: { "=;|&<>(){}$#`\n\t\\\"'".utf8.contains($0) }) { return outcome }
                return deny("split without a shell, the command would be \(CommandLineRendering.quote(name))", line)
            }
            if let r = checkCommand(plain, scope: nil) {
                return deny("\(r.text) (read without a shell: \(CommandLineRendering.render(plain)))", line)
            }
            return outcome
        }
    }

    // MARK: decision

    private func deny(_ reason: String, _ line: String) -> Outcome {
        .denied(reason: "\(reason); command: \(line)", commandLine: line)
    }

    private func decide(_ script: ShellScript, line: String, scope: RedirectionScope?) -> Outcome {
        if let r = disallowedConstruct(script.constructs) { return deny(r, line) }
        for c in script.commands {
            if let r = checkCommand(c, scope: scope) { return deny(r.text, line) }
        }
        return .allowed(commandLine: line)
    }

    private func disallowedConstruct(_ used: ShellConstructs) -> String? {
        let s = rule.shell
        let gates: [(ShellConstructs, Bool)] = [
            (.pipes, s.pipes), (.lists, s.lists), (.background, s.background), (.redirections, s.redirections),
            (.heredocs, s.heredocs), (.commandSubstitution, s.substitutions), (.processSubstitution, s.substitutions),
            (.subshells, s.subshells), (.braceGroups, s.subshells), (.assignments, s.assignments),
            (.parameterExpansion, s.expansions), (.arithmetic, s.expansions), (.tilde, s.expansions),
            (.globs, s.globs),
            // Never allowed: bash and sh disagree on them, or they run commands through variable values.
            (.braceExpansion, false), (.arithmeticVariables, false),
        ]
        for (flag, allowed) in gates where used.contains(flag) && !allowed {
            return "\(flag.names.first ?? "construct") not allowed by this rule (shell.\(Self.profileKey(flag)))"
        }
        return nil
    }

    static func profileKey(_ flag: ShellConstructs) -> String {
        switch flag {
        case .pipes: return "pipes"
        case .lists: return "lists"
        case .background: return "background"
        case .redirections: return "redirections"
        case .heredocs: return "heredocs"
        case .commandSubstitution, .processSubstitution: return "substitutions"
        case .subshells, .braceGroups: return "subshells"
        case .assignments: return "assignments"
        case .parameterExpansion, .arithmetic, .tilde: return "expansions"
        case .globs: return "globs"
        default: return "never"
        }
    }

    private func checkCommand(_ c: SimpleCommand, scope: RedirectionScope?, wrapperDepth: Int = 0) -> DenialReason? {
        for a in c.assignments {
            // Always on, even with builtin_dangerous off: these names decide what every later command runs.
            if let r = DangerousCommands.injectionReason(a.name) { return DenialReason(r) }
        }
        for r in c.redirections {
            if r.op.isHeredoc { continue }
            if r.isDescriptorDuplication { continue }
            if !r.target.isStatic {
                return DenialReason("redirection target \(r.target.raw) is not known before the shell runs")
            }
            if let scope, r.writes, !RedirectionScope.harmlessTargets.contains(r.target.text),
               !scope.contains(r.target.text) {
                return DenialReason("redirection \(r.op.rawValue) \(CommandLineRendering.quote(r.target.text)) writes outside the working directory \(scope.root)")
            }
        }
        guard let first = c.words.first else { return nil }
        guard first.isStatic else {
            return DenialReason("command name \(first.raw) is not known before the shell runs (expansion or glob)")
        }
        let resolved: CommandName
        switch CommandName.resolve(first.text) {
        case .failure(let e): return e
        case .success(let r): resolved = r
        }
        let shown = "\"\(first.text)\""
        if deniedNames.contains(resolved.basename) || resolved.path.map({ deniedPaths.contains($0) }) == true {
            return DenialReason("\(shown) is not an allowed command (denied by this rule)")
        }
        var spec: CommandSpec?
        if let p = resolved.path { spec = allowedByPath[p] }
        if spec == nil, resolved.isStandardLocation { spec = allowedByName[resolved.basename] }
        guard let spec else {
            if resolved.path != nil, !resolved.isStandardLocation, allowedByName[resolved.basename] != nil {
                return DenialReason("\(shown) is not an allowed command (only /usr/bin, /bin, /usr/local/bin, /usr/sbin and /sbin count as \"\(resolved.basename)\")")
            }
            return DenialReason("\(shown) is not an allowed command")
        }
        let args = Array(c.words.dropFirst())
        let hasRules = (rule.builtinDangerous && DangerousCommands.hasKnowledge(resolved.basename)) || spec.subcommands != nil || !spec.denyOptions.isEmpty || spec.argumentPatterns != nil
        for w in args {
            if w.constructs.contains(.globs) {
                // A glob expands to file names; one named `-delete` or `--to-command=sh` becomes an option.
                let lead = w.text.unicodeScalars.first
                if lead == "*" || lead == "?" || lead == "[" || lead == "-" {
                    return DenialReason("glob \(w.raw) could expand to an option (write ./\(w.raw))")
                }
            }
            if !w.constructs.subtracting(.globs).isDisjoint(with: .dynamic), hasRules {
                return DenialReason("argument \(w.raw) of \(shown) is not known before the shell runs, so its rules cannot be checked")
            }
        }
        let argv = args.map(\.text)
        if rule.builtinDangerous, let r = DangerousCommands.check(name: resolved.basename, args: argv) { return r }
        if rule.builtinDangerous, DangerousCommands.unwrappable[DangerousCommands.family(resolved.basename)] != nil {
            // The wrapped command is checked as if given directly; the wrapper's own rules still apply below.
            guard wrapperDepth < 4 else { return DenialReason("wrappers nested too deep") }
            switch DangerousCommands.unwrap(resolved.basename, argv) {
            case .failure(let e): return e
            case .success(let k):
                let inner = SimpleCommand(words: Array(args[k...]), context: c.context)
                if let r = checkCommand(inner, scope: scope, wrapperDepth: wrapperDepth + 1) {
                    return DenialReason("\(r.text) (run by \(resolved.basename))")
                }
            }
        }
        if let subs = spec.subcommands, let r = checkSubcommand(resolved.basename, argv, allowed: subs) { return r }
        for spelling in spec.denyOptions {
            guard let opt = DeniedOption(spelling) else { continue }
            if let a = argv.first(where: { opt.matches($0) }) {
                return DenialReason("\(resolved.basename) option \(opt.spelling) is denied by this rule" + (a == opt.spelling ? "" : " (given as \(a))"))
            }
        }
        if let patterns = spec.argumentPatterns {
            var skip = spec.subcommands != nil ? subcommandIndex(resolved.basename, argv) : nil
            for (n, a) in argv.enumerated() where !a.hasPrefix("-") || a == "-" {
                if n == skip { skip = nil; continue }
                if !Glob.matchAny(patterns, a) {
                    return DenialReason("\(resolved.basename) argument \(CommandLineRendering.quote(a)) matches none of the allowed patterns")
                }
            }
        }
        return nil
    }

    private func subcommandIndex(_ name: String, _ argv: [String]) -> Int? {
        if DangerousCommands.family(name) == "git" {
            var k = 0
            while k < argv.count {
                let a = argv[k]
                if !a.hasPrefix("-") { return k }
                k += DangerousCommands.gitGlobalWithValue.contains(a) ? 2 : 1
            }
            return nil
        }
        return argv.isEmpty ? nil : 0
    }

    private func checkSubcommand(_ name: String, _ argv: [String], allowed: [String]) -> DenialReason? {
        if DangerousCommands.family(name) != "git", let first = argv.first, first.hasPrefix("-") {
            return DenialReason("\(name) options before the subcommand are not understood; put the subcommand first")
        }
        guard let k = subcommandIndex(name, argv) else { return nil }
        let sub = argv[k]
        if !allowed.contains(sub) {
            return DenialReason("\(name) subcommand '\(sub)' is not allowed (allowed: \(allowed.joined(separator: ", ")))")
        }
        return nil
    }
}

/// A command word resolved the way the rule compares it with the profile.
struct CommandName {
    /// The last path component (the name knowledge is keyed by).
    var basename: String
    /// Normalised absolute path when one was given.
    var path: String?
    /// A bare name, or an absolute path in a standard bin directory: then it is the same as the bare name.
    var isStandardLocation: Bool

    static let standardDirectories: Set<String> = ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin"]

    static func normalize(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.contains(where: { $0 == "." || $0 == ".." }) { return nil }
        return "/" + parts.joined(separator: "/")
    }

    static func resolve(_ word: String) -> Result<CommandName, DenialReason> {
        if word.isEmpty { return .failure(DenialReason("empty command name")) }
        guard word.contains("/") else { return .success(CommandName(basename: word, path: nil, isStandardLocation: true)) }
        guard word.hasPrefix("/") else {
            return .failure(DenialReason("\"\(word)\" is not an allowed command (relative paths never match a command name)"))
        }
        guard let norm = normalize(word), let base = norm.split(separator: "/").last else {
            return .failure(DenialReason("\"\(word)\": command paths with . or .. components are refused"))
        }
        let dir = String(norm.dropLast(base.count + 1))
        return .success(CommandName(basename: String(base), path: norm,
                                    isStandardLocation: standardDirectories.contains(dir.isEmpty ? "/" : dir)))
    }
}

extension CommandRuleEvaluator.RedirectionScope {
    static let harmlessTargets: Set<String> = ["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/fd/1", "/dev/fd/2"]

    /// Lexical check (`..` resolved, symlinks not): the environment wall backs it with the real view.
    func contains(_ target: String) -> Bool {
        let full = target.hasPrefix("/") ? target : base + "/" + target
        guard let path = Self.normalize(full), let r = Self.normalize(root) else { return false }
        return r == "/" || path == r || path.hasPrefix(r + "/")
    }

    static func normalize(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return nil }
        var out: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { if !out.isEmpty { out.removeLast() }; continue }
            out.append(part)
        }
        return "/" + out.joined(separator: "/")
    }
}

extension ShellRedirection {
    /// Opens a file for writing (a descriptor duplication does not).
    var writes: Bool {
        switch op {
        case .input, .heredoc, .heredocStripTabs, .herestring: return false
        case .duplicateOutput, .duplicateInput: return !isDescriptorDuplication
        default: return true
        }
    }
}

/// Splits a string the way Python's `shlex.split` (POSIX mode, no comments) does: whitespace separates words;
/// single quotes are literal; in double quotes a backslash escapes only `"` and `\`; elsewhere it escapes any
/// character. No operators, no expansions: what a server that splits and execs without a shell would run.
enum NoShellSplit {
    static func split(_ s: String) -> [String]? {
        var words: [String] = []
        var current: [UInt8] = []
        var inWord = false
        let b = Array(s.utf8)
        var i = 0
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d || c == 0x0b || c == 0x0c }
        while i < b.count {
            let c = b[i]
            if isSpace(c) {
                if inWord { words.append(String(decoding: current, as: UTF8.self)); current = []; inWord = false }
                i += 1
                continue
            }
            inWord = true
            switch c {
            case UInt8(ascii: "\\"):
                guard i + 1 < b.count else { return nil }
                current.append(b[i + 1]); i += 2
            case UInt8(ascii: "'"):
                guard let close = b[(i + 1)...].firstIndex(of: UInt8(ascii: "'")) else { return nil }
                current.append(contentsOf: b[(i + 1)..<close]); i = close + 1
            case UInt8(ascii: "\""):
                i += 1
                while true {
                    guard i < b.count else { return nil }
                    let d = b[i]
                    if d == UInt8(ascii: "\"") { i += 1; break }
                    if d == UInt8(ascii: "\\"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "\"") || b[i + 1] == UInt8(ascii: "\\") {
                        current.append(b[i + 1]); i += 2; continue
                    }
                    current.append(d); i += 1
                }
            default:
                current.append(c); i += 1
            }
        }
        if inWord { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }
}
