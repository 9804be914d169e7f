// What the shell parser hands to the command rule: every simple command found anywhere in the input
// (including inside substitutions, subshells and brace groups), each with its literal argv, and the set of
// shell constructs the input used. The rule decides; the parser only describes.

/// Shell constructs an input (or a single word) uses. The command rule refuses those the profile does not allow.
public struct ShellConstructs: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `a | b`, `a |& b`
    public static let pipes = ShellConstructs(rawValue: 1 << 0)
    /// `;`, `&&`, `||`, newlines between commands
    public static let lists = ShellConstructs(rawValue: 1 << 1)
    /// `a &`
    public static let background = ShellConstructs(rawValue: 1 << 2)
    /// `>`, `>>`, `<`, `<>`, `>|`, `>&`, `<&`, `&>`, `&>>`, with or without an fd number
    public static let redirections = ShellConstructs(rawValue: 1 << 3)
    /// `<<`, `<<-`, `<<<`
    public static let heredocs = ShellConstructs(rawValue: 1 << 4)
    /// `$(...)` and backticks
    public static let commandSubstitution = ShellConstructs(rawValue: 1 << 5)
    /// `<(...)`, `>(...)`
    public static let processSubstitution = ShellConstructs(rawValue: 1 << 6)
    /// `( ... )`
    public static let subshells = ShellConstructs(rawValue: 1 << 7)
    /// `{ ...; }`
    public static let braceGroups = ShellConstructs(rawValue: 1 << 8)
    /// `NAME=value` before a command or alone
    public static let assignments = ShellConstructs(rawValue: 1 << 9)
    /// `$NAME`, `${NAME}`, `$1`, `$@`...
    public static let parameterExpansion = ShellConstructs(rawValue: 1 << 10)
    /// `$((...))`
    public static let arithmetic = ShellConstructs(rawValue: 1 << 11)
    /// `$((...))` naming a variable: bash evaluates the variable's value as an expression, recursively, and
    /// an array subscript in it runs command substitutions (`a[$(cmd)]`).
    public static let arithmeticVariables = ShellConstructs(rawValue: 1 << 12)
    /// unquoted `*`, `?`, `[...]`
    public static let globs = ShellConstructs(rawValue: 1 << 13)
    /// bash `{a,b}` / `{1..3}`: one word becomes several (`{rm,-rf,x}`); POSIX sh leaves it alone.
    public static let braceExpansion = ShellConstructs(rawValue: 1 << 14)
    /// unquoted `~` at the start of a word (or after `=`/`:` in an assignment)
    public static let tilde = ShellConstructs(rawValue: 1 << 15)
    /// `# ...`
    public static let comments = ShellConstructs(rawValue: 1 << 16)
    /// `$'...'`
    public static let ansiCQuoting = ShellConstructs(rawValue: 1 << 17)
    /// backslash-newline
    public static let lineContinuation = ShellConstructs(rawValue: 1 << 18)

    /// Constructs whose presence in a word makes its value unknowable before the shell runs.
    public static let dynamic: ShellConstructs = [
        .commandSubstitution, .processSubstitution, .parameterExpansion, .arithmetic, .globs, .braceExpansion, .tilde,
    ]

    /// Human names, used in denial reasons and the docs.
    public var names: [String] {
        var out: [String] = []
        for (flag, name) in ShellConstructs.nameTable where contains(flag) { out.append(name) }
        return out
    }

    static let nameTable: [(ShellConstructs, String)] = [
        (.pipes, "pipes"), (.lists, "command lists (; && || newline)"), (.background, "background jobs (&)"),
        (.redirections, "redirections"), (.heredocs, "here-documents"),
        (.commandSubstitution, "command substitution $(...)"), (.processSubstitution, "process substitution <(...)"),
        (.subshells, "subshells ( )"), (.braceGroups, "brace groups { }"), (.assignments, "variable assignments"),
        (.parameterExpansion, "parameter expansion $VAR"), (.arithmetic, "arithmetic expansion $((...))"),
        (.arithmeticVariables, "variables in arithmetic expansion"), (.globs, "globs"),
        (.braceExpansion, "brace expansion {a,b}"), (.tilde, "tilde expansion ~"), (.comments, "comments"),
        (.ansiCQuoting, "ANSI-C quoting $'...'"), (.lineContinuation, "line continuations"),
    ]
}

/// One shell word after quote removal.
public struct ShellWord: Sendable, Equatable, CustomStringConvertible {
    /// The literal value after quote removal. Dynamic parts keep their source spelling (`$HOME`, `$(date)`),
    /// so the value is exact only when `isStatic`.
    public var text: String
    /// The word as written.
    public var raw: String
    /// Constructs used inside this word.
    public var constructs: ShellConstructs

    public init(text: String, raw: String, constructs: ShellConstructs = []) {
        self.text = text; self.raw = raw; self.constructs = constructs
    }

    /// The value is known without running anything: no expansion, substitution or glob.
    public var isStatic: Bool { constructs.isDisjoint(with: .dynamic) }
    public var description: String { raw }
}

public struct ShellAssignment: Sendable, Equatable {
    public var name: String
    public var value: ShellWord
    public init(name: String, value: ShellWord) { self.name = name; self.value = value }
}

public enum RedirectionOperator: String, Sendable, Equatable {
    case output = ">", append = ">>", input = "<", readWrite = "<>", clobber = ">|"
    case duplicateOutput = ">&", duplicateInput = "<&"
    case outputAndError = "&>", appendOutputAndError = "&>>"
    case heredoc = "<<", heredocStripTabs = "<<-", herestring = "<<<"

    public var isHeredoc: Bool { self == .heredoc || self == .heredocStripTabs || self == .herestring }
}

public struct ShellRedirection: Sendable, Equatable {
    /// The explicit fd number before the operator (`2>`), if any.
    public var fd: Int?
    public var op: RedirectionOperator
    /// The file, the fd (`>&2`, `<&-`), the here-document delimiter or the here-string.
    public var target: ShellWord
    /// The here-document body (after tab stripping for `<<-`).
    public var heredocBody: String?

    public init(fd: Int?, op: RedirectionOperator, target: ShellWord, heredocBody: String? = nil) {
        self.fd = fd; self.op = op; self.target = target; self.heredocBody = heredocBody
    }

    /// `>&2`, `2>&1`, `<&-`: duplicates or closes a descriptor instead of opening a file.
    public var isDescriptorDuplication: Bool {
        guard op == .duplicateOutput || op == .duplicateInput, target.isStatic else { return false }
        let t = target.text
        return t == "-" || (!t.isEmpty && t.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 })
    }
}

public struct SimpleCommand: Sendable, Equatable, CustomStringConvertible {
    public var assignments: [ShellAssignment] = []
    /// The command word and its arguments.
    public var words: [ShellWord] = []
    public var redirections: [ShellRedirection] = []
    /// Where it sits: inside a substitution, a subshell... (empty at top level).
    public var context: ShellConstructs = []

    public init(assignments: [ShellAssignment] = [], words: [ShellWord] = [], redirections: [ShellRedirection] = [],
                context: ShellConstructs = []) {
        self.assignments = assignments; self.words = words; self.redirections = redirections; self.context = context
    }

    public var argv: [String] { words.map(\.text) }
    public var description: String { CommandLineRendering.render(self) }
}

/// A parsed shell input.
public struct ShellScript: Sendable, Equatable {
    /// Every simple command, in source order, nested ones included.
    public var commands: [SimpleCommand]
    /// Every construct used anywhere.
    public var constructs: ShellConstructs
    public init(commands: [SimpleCommand], constructs: ShellConstructs) {
        self.commands = commands; self.constructs = constructs
    }
}

public struct ShellParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// Byte offset in the input.
    public var offset: Int
    public init(reason: String, offset: Int) { self.reason = reason; self.offset = offset }
    public var description: String { "\(reason) (at byte \(offset))" }
}

/// Renders parsed commands for denial texts and audit records, quoting so the reader sees word boundaries.
public enum CommandLineRendering {
    public static func render(_ command: SimpleCommand) -> String {
        var parts: [String] = command.assignments.map { "\($0.name)=\(quote($0.value.text))" }
        parts += command.words.map { $0.isStatic ? quote($0.text) : $0.raw }
        for r in command.redirections {
            parts.append((r.fd.map(String.init) ?? "") + r.op.rawValue + (r.target.isStatic ? quote(r.target.text) : r.target.raw))
        }
        return parts.joined(separator: " ")
    }

    public static func render(_ commands: [SimpleCommand], limit: Int = 400) -> String {
        // Stops once past the limit: a hostile input can hold hundreds of thousands of commands.
        var out = ""
        for (n, c) in commands.enumerated() {
            if n > 0 { out += " ; " }
            out += render(c)
            if out.utf8.count > limit * 4 { break }
        }
        return clip(out, limit: limit)
    }

    public static func render(argv: [String]) -> String { argv.map(quote).joined(separator: " ") }

    public static func clip(_ s: String, limit: Int) -> String {
        if s.count <= limit { return s }
        return String(s.prefix(limit)) + "…"
    }

    static func quote(_ s: String) -> String {
        if s.isEmpty { return "''" }
        let safe = s.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || "-_./=:,+@%^".unicodeScalars.contains(c)
        }
        if safe { return s }
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "'": out += "'\\''"
            case "\n": out += "'$'\\n''"
            case "\t": out += "'$'\\t''"
            default:
                if c.value < 0x20 || c.value == 0x7f {
                    out += "'$'\\x" + String(c.value, radix: 16) + "''"
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return "'" + out + "'"
    }
}
