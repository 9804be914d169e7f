// A POSIX shell (plus the bash extensions an attacker would reach for) parser that never executes anything.
//
// It exists so the command rule can see every simple command a shell string would run. The guiding rule is
// "when sh and bash could read the input differently, or we cannot tell what runs, refuse": control-flow
// reserved words, function definitions, `${...}` operators, `$"..."`, `$[...]`, `((...))`, arrays, NUL bytes,
// unterminated quotes and here-documents are parse errors, never guesses.
//
// Works on UTF-8 bytes; every delimiter the grammar cares about is ASCII, so multi-byte characters are copied
// through untouched.

public enum ShellParser {
    /// Nesting limit for substitutions, subshells and groups (keeps recursion bounded on hostile input).
    public static let maxDepth = 32

    public static func parse(_ input: String) -> Result<ShellScript, ShellParseError> {
        let bytes = Array(input.utf8)
        if let nul = bytes.firstIndex(of: 0) {
            return .failure(ShellParseError(reason: "NUL byte in command (shells truncate at NUL)", offset: nul))
        }
        var p = ParserState(bytes: bytes, depth: 0, context: [])
        do {
            try p.parseList(until: .endOfInput)
            return .success(ShellScript(commands: p.commands, constructs: p.constructs))
        } catch let e as ShellParseError {
            return .failure(e)
        } catch {
            return .failure(ShellParseError(reason: "internal parser error", offset: p.i))
        }
    }
}

private enum ListEnd { case endOfInput, closeParen, closeBrace }

/// A here-document whose body is still to be read (bodies start after the next newline).
private struct PendingHeredoc {
    var commandIndex: Int
    var redirectionIndex: Int
    var delimiter: [UInt8]
    var stripTabs: Bool
    var quoted: Bool
    var listDepth: Int
}

private let reservedWords: Set<String> = [
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "select",
    "function", "time", "coproc", "[[", "]]", "!", "in",
]

@inline(__always) private func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
@inline(__always) private func isNameStart(_ c: UInt8) -> Bool {
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f
}
@inline(__always) private func isNameChar(_ c: UInt8) -> Bool { isNameStart(c) || isDigit(c) }
/// Characters that end an unquoted word.
@inline(__always) private func isMeta(_ c: UInt8) -> Bool {
    switch c {
    case 0x20, 0x09, 0x0a, UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "("),
         UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"):
        return true
    default: return false
    }
}

private struct ParserState {
    let b: [UInt8]
    var i = 0
    let depth: Int
    /// Constructs enclosing commands parsed now (substitution, subshell...).
    var context: ShellConstructs
    var commands: [SimpleCommand] = []
    var constructs: ShellConstructs = []
    var pending: [PendingHeredoc] = []
    var listDepth = 0

    init(bytes: [UInt8], depth: Int, context: ShellConstructs) {
        self.b = bytes; self.depth = depth; self.context = context
    }

    func fail(_ reason: String, at: Int? = nil) -> ShellParseError { ShellParseError(reason: reason, offset: at ?? i) }

    func peek(_ k: Int = 0) -> UInt8? { i + k < b.count ? b[i + k] : nil }

    mutating func skipBlanks() {
        while i < b.count {
            if isBlank(b[i]) { i += 1; continue }
            if b[i] == UInt8(ascii: "\\"), peek(1) == 0x0a { constructs.insert(.lineContinuation); i += 2; continue }
            break
        }
    }

    mutating func skipComment() {
        constructs.insert(.comments)
        while i < b.count, b[i] != 0x0a { i += 1 }
    }

    // MARK: lists and pipelines

    /// Parses commands separated by `;`, `&`, `&&`, `||`, newlines, until `end`.
    mutating func parseList(until end: ListEnd) throws {
        listDepth += 1
        defer { listDepth -= 1 }
        var commandsSeen = 0
        var needCommand = false  // after && or ||
        while true {
            skipBlanks()
            guard let c = peek() else {
                if end != .endOfInput { throw fail(end == .closeParen ? "missing ')'" : "missing '}'") }
                if needCommand { throw fail("missing command after && or ||") }
                if !pending.isEmpty { throw fail("here-document without a body") }
                return
            }
            if c == UInt8(ascii: "#") { skipComment(); continue }
            if c == 0x0a {
                i += 1
                try readPendingHeredocs()
                continue
            }
            if c == UInt8(ascii: ")") {
                if end == .closeParen {
                    if needCommand { throw fail("missing command after && or ||") }
                    if commandsSeen == 0 { throw fail("empty command list in ( )") }
                    if !pending.isEmpty { throw fail("here-document body must end before ')'") }
                    return
                }
                throw fail("unexpected ')'")
            }
            if end == .closeBrace, wordAhead() == "}" {
                if needCommand { throw fail("missing command after && or ||") }
                if commandsSeen == 0 { throw fail("empty brace group") }
                i += 1
                return
            }
            if commandsSeen > 0, !needCommand { constructs.insert(.lists) }
            try parsePipeline()
            commandsSeen += 1
            needCommand = false
            skipBlanks()
            guard let op = peek() else { continue }
            switch op {
            case UInt8(ascii: ";"):
                if peek(1) == UInt8(ascii: ";") || peek(1) == UInt8(ascii: "&") {
                    throw fail("';;' or ';&' outside a case statement")
                }
                i += 1
                constructs.insert(.lists)
            case UInt8(ascii: "&"):
                if peek(1) == UInt8(ascii: "&") {
                    i += 2
                    constructs.insert(.lists)
                    needCommand = true
                    try skipBlanksAndNewlines()
                } else {
                    i += 1
                    constructs.insert(.background)
                }
            case UInt8(ascii: "|"):
                guard peek(1) == UInt8(ascii: "|") else { throw fail("unexpected '|'") }
                i += 2
                constructs.insert(.lists)
                needCommand = true
                try skipBlanksAndNewlines()
            case 0x0a, UInt8(ascii: ")"), UInt8(ascii: "#"):
                continue
            default:
                if end == .closeBrace, wordAhead() == "}" { continue }
                throw fail("unexpected '\(Character(Unicode.Scalar(op)))' after a command")
            }
        }
    }

    /// Newlines after `&&`, `||` and `|` continue the command; here-documents queued before them still apply.
    mutating func skipBlanksAndNewlines() throws {
        while true {
            skipBlanks()
            if peek() == UInt8(ascii: "#") { skipComment(); continue }
            if peek() == 0x0a {
                i += 1
                try readPendingHeredocs()
                continue
            }
            return
        }
    }

    mutating func parsePipeline() throws {
        try parseCommand()
        while true {
            skipBlanks()
            guard peek() == UInt8(ascii: "|"), peek(1) != UInt8(ascii: "|") else { return }
            i += 1
            if peek() == UInt8(ascii: "&") { i += 1 }  // |& pipes stderr too
            constructs.insert(.pipes)
            try skipBlanksAndNewlines()
            try parseCommand()
        }
    }

    /// The unquoted word starting at `i` if it is plain ASCII letters/punctuation that could be a reserved word.
    func wordAhead() -> String? {
        var j = i
        while j < b.count, !isMeta(b[j]) {
            let c = b[j]
            let plain = (c >= 0x61 && c <= 0x7a) || c == UInt8(ascii: "{") || c == UInt8(ascii: "}") ||
                c == UInt8(ascii: "[") || c == UInt8(ascii: "]") || c == UInt8(ascii: "!")
            if !plain { return nil }
            j += 1
        }
        if j == i { return nil }
        return String(decoding: b[i..<j], as: UTF8.self)
    }

    // MARK: commands

    mutating func parseCommand() throws {
        skipBlanks()
        guard let c = peek() else { throw fail("missing command") }
        if c == UInt8(ascii: "(") {
            if peek(1) == UInt8(ascii: "(") { throw fail("arithmetic command ((...)) is not supported") }
            try nested(.subshells) { p in
                p.i += 1
                try p.parseList(until: .closeParen)
                p.i += 1
            }
            try parseTrailingRedirections()
            return
        }
        if let w = wordAhead() {
            if w == "{" {
                try nested(.braceGroups) { p in
                    p.i += 1
                    try p.parseList(until: .closeBrace)
                }
                try parseTrailingRedirections()
                return
            }
            if w == "}" { throw fail("unexpected '}'") }
            if reservedWords.contains(w) {
                throw fail("shell keyword '\(w)' is not supported (control flow cannot be checked statically)")
            }
        }
        try parseSimpleCommand()
    }

    /// Runs `body` with `construct` added to the context of the commands it parses.
    mutating func nested(_ construct: ShellConstructs, _ body: (inout ParserState) throws -> Void) throws {
        if depth + listDepth > ShellParser.maxDepth { throw fail("nesting too deep") }
        constructs.insert(construct)
        let saved = context
        context.insert(construct)
        defer { context = saved }
        try body(&self)
    }

    mutating func parseTrailingRedirections() throws {
        // Redirections after `)` or `}` apply to the whole group; they are recorded on a command of their own
        // (no words) so the rule sees them. The slot is reserved first so here-document indices stay right.
        let index = commands.count
        commands.append(SimpleCommand(context: context))
        var cmd = SimpleCommand(context: context)
        while true {
            skipBlanks()
            guard let r = try parseRedirectionIfPresent(commandIndex: index, redirectionIndex: cmd.redirections.count)
            else { break }
            cmd.redirections.append(r)
        }
        if cmd.redirections.isEmpty {
            // Nothing was parsed, so nothing was appended after the placeholder.
            commands.removeLast()
        } else {
            let bodies = commands[index].redirections
            commands[index] = cmd
            for (k, r) in bodies.enumerated() where k < cmd.redirections.count && r.heredocBody != nil {
                commands[index].redirections[k].heredocBody = r.heredocBody
            }
        }
        skipBlanks()
        if peek() == UInt8(ascii: "(") { throw fail("unexpected '('") }
        if let c = peek(), !isMeta(c), c != UInt8(ascii: "#") {
            if wordAhead() == "}" { return }
            throw fail("unexpected word after ')' or '}'")
        }
    }

    mutating func parseSimpleCommand() throws {
        let index = commands.count
        // Reserve the slot so nested commands (inside $(...)) come after their parent in source order.
        commands.append(SimpleCommand(context: context))
        var cmd = SimpleCommand(context: context)
        while true {
            skipBlanks()
            guard let c = peek() else { break }
            if c == 0x0a || c == UInt8(ascii: ";") || c == UInt8(ascii: "|") || c == UInt8(ascii: ")") { break }
            if c == UInt8(ascii: "&"), peek(1) != UInt8(ascii: ">") { break }
            if c == UInt8(ascii: "#") { skipComment(); break }
            if c == UInt8(ascii: "(") {
                if cmd.words.count == 1, cmd.assignments.isEmpty {
                    throw fail("function definitions are not supported")
                }
                if cmd.words.isEmpty, !cmd.assignments.isEmpty {
                    throw fail("array assignments are not supported")
                }
                throw fail("unexpected '('")
            }
            if let r = try parseRedirectionIfPresent(commandIndex: index, redirectionIndex: cmd.redirections.count) {
                cmd.redirections.append(r)
                continue
            }
            let start = i
            let word = try parseWord()
            if cmd.words.isEmpty, let a = assignment(word, start: start) {
                if peek() == UInt8(ascii: "(") { throw fail("array assignments are not supported") }
                constructs.insert(.assignments)
                cmd.assignments.append(a)
                continue
            }
            if cmd.words.isEmpty, word.raw == "}" || word.raw == "{" || reservedWords.contains(word.raw) {
                // After assignments or redirections a keyword may still be read as one; never guess.
                throw fail("shell keyword '\(word.raw)' is not supported here")
            }
            cmd.words.append(word)
        }
        if cmd.words.isEmpty, cmd.assignments.isEmpty, cmd.redirections.isEmpty { throw fail("missing command") }
        commands[index] = cmd
    }

    /// `NAME=value` (or bash `NAME+=value`) with an unquoted name.
    func assignment(_ word: ShellWord, start: Int) -> ShellAssignment? {
        var j = start
        guard j < b.count, isNameStart(b[j]) else { return nil }
        while j < b.count, isNameChar(b[j]) { j += 1 }
        let name = String(decoding: b[start..<j], as: UTF8.self)
        if j < b.count, b[j] == UInt8(ascii: "+"), j + 1 < b.count, b[j + 1] == UInt8(ascii: "=") { j += 1 }
        guard j < b.count, b[j] == UInt8(ascii: "=") else { return nil }
        // The text before `=` is the same in `text` and `raw` because the name is plain.
        let prefixLen = j - start + 1
        let valueText = String(decoding: Array(word.text.utf8.dropFirst(prefixLen)), as: UTF8.self)
        let valueRaw = String(decoding: Array(word.raw.utf8.dropFirst(prefixLen)), as: UTF8.self)
        return ShellAssignment(name: name, value: ShellWord(text: valueText, raw: valueRaw, constructs: word.constructs))
    }

    // MARK: redirections

    mutating func parseRedirectionIfPresent(commandIndex: Int, redirectionIndex: Int) throws -> ShellRedirection? {
        let start = i
        var j = i
        var fd: Int?
        while j < b.count, isDigit(b[j]) { j += 1 }
        if j > i, j < b.count, b[j] == UInt8(ascii: "<") || b[j] == UInt8(ascii: ">") {
            guard j - i <= 4, let n = Int(String(decoding: b[i..<j], as: UTF8.self)) else {
                throw fail("file descriptor number too large")
            }
            fd = n
        } else {
            j = i
        }
        guard j < b.count else { return nil }
        let c = b[j]
        func at(_ k: Int) -> UInt8? { j + k < b.count ? b[j + k] : nil }
        var op: RedirectionOperator
        var len: Int
        switch c {
        case UInt8(ascii: "&"):
            guard fd == nil, at(1) == UInt8(ascii: ">") else { return nil }
            if at(2) == UInt8(ascii: ">") { op = .appendOutputAndError; len = 3 } else { op = .outputAndError; len = 2 }
        case UInt8(ascii: ">"):
            if at(1) == UInt8(ascii: "(") { return nil }  // process substitution
            switch at(1) {
            case UInt8(ascii: ">"): op = .append; len = 2
            case UInt8(ascii: "|"): op = .clobber; len = 2
            case UInt8(ascii: "&"): op = .duplicateOutput; len = 2
            default: op = .output; len = 1
            }
        case UInt8(ascii: "<"):
            if at(1) == UInt8(ascii: "(") { return nil }
            switch at(1) {
            case UInt8(ascii: "<"):
                if at(2) == UInt8(ascii: "<") { op = .herestring; len = 3 }
                else if at(2) == UInt8(ascii: "-") { op = .heredocStripTabs; len = 3 }
                else { op = .heredoc; len = 2 }
            case UInt8(ascii: ">"): op = .readWrite; len = 2
            case UInt8(ascii: "&"): op = .duplicateInput; len = 2
            default: op = .input; len = 1
            }
        default:
            return nil
        }
        i = j + len
        constructs.insert(op.isHeredoc ? .heredocs : .redirections)
        skipBlanks()
        guard let t = peek(), !isMeta(t) || t == UInt8(ascii: "<") && peek(1) == UInt8(ascii: "(")
            || t == UInt8(ascii: ">") && peek(1) == UInt8(ascii: "(") else {
            throw fail("missing target after '\(op.rawValue)'", at: start)
        }
        let target = try parseWord()
        var r = ShellRedirection(fd: fd, op: op, target: target)
        if op == .heredoc || op == .heredocStripTabs {
            guard target.constructs.isDisjoint(with: ShellConstructs.dynamic.subtracting(.globs)) else {
                throw fail("here-document delimiter must be literal", at: start)
            }
            let quoted = target.raw.utf8.contains { $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
            pending.append(PendingHeredoc(commandIndex: commandIndex, redirectionIndex: redirectionIndex,
                                          delimiter: Array(target.text.utf8), stripTabs: op == .heredocStripTabs,
                                          quoted: quoted, listDepth: listDepth))
            r.heredocBody = nil
        }
        return r
    }

    /// Reads the bodies of queued here-documents; called right after a newline.
    mutating func readPendingHeredocs() throws {
        guard !pending.isEmpty else { return }
        let queue = pending
        pending = []
        for h in queue {
            if h.listDepth != listDepth { throw fail("here-document body inside a nested construct is not supported") }
            var body: [UInt8] = []
            var found = false
            while i < b.count {
                var lineEnd = i
                while lineEnd < b.count, b[lineEnd] != 0x0a { lineEnd += 1 }
                var lineStart = i
                if h.stripTabs { while lineStart < lineEnd, b[lineStart] == 0x09 { lineStart += 1 } }
                let line = b[lineStart..<lineEnd]
                i = lineEnd < b.count ? lineEnd + 1 : lineEnd
                if line.elementsEqual(h.delimiter) { found = true; break }
                if !h.quoted, line.last == UInt8(ascii: "\\") {
                    // bash joins `\`-newline before comparing with the delimiter; refusing keeps both readings equal.
                    throw fail("line continuation inside an unquoted here-document", at: lineEnd)
                }
                body.append(contentsOf: line)
                body.append(0x0a)
            }
            if !found { throw fail("unterminated here-document (no line '\(String(decoding: h.delimiter, as: UTF8.self))')") }
            if !h.quoted {
                // Unquoted bodies undergo expansion and command substitution like a double-quoted string.
                var sub = ParserState(bytes: body, depth: depth + 1, context: context.union(.heredocs))
                if depth + 1 > ShellParser.maxDepth { throw fail("nesting too deep") }
                _ = try sub.scanExpandable(terminator: nil)
                commands.append(contentsOf: sub.commands)
                constructs.formUnion(sub.constructs)
            }
            let text = String(decoding: body, as: UTF8.self)
            if h.commandIndex < commands.count, h.redirectionIndex < commands[h.commandIndex].redirections.count {
                commands[h.commandIndex].redirections[h.redirectionIndex].heredocBody = text
            }
        }
    }

    // MARK: words

    /// Reads one word (quote removal applied). The caller ensures the next byte starts a word.
    mutating func parseWord() throws -> ShellWord {
        let start = i
        var text: [UInt8] = []
        var wc: ShellConstructs = []
        // Unquoted characters that matter after the word is complete (brace expansion, glob brackets).
        var unquoted: [(pos: Int, c: UInt8)] = []
        while let c = peek() {
            if isMeta(c) {
                if (c == UInt8(ascii: "<") || c == UInt8(ascii: ">")), peek(1) == UInt8(ascii: "(") {
                    try parseProcessSubstitution(&text)
                    wc.insert(.processSubstitution)
                    continue
                }
                break
            }
            switch c {
            case UInt8(ascii: "\\"):
                guard let n = peek(1) else { throw fail("trailing backslash") }
                if n == 0x0a { constructs.insert(.lineContinuation); i += 2; continue }
                text.append(n); i += 2
            case UInt8(ascii: "'"):
                i += 1
                guard let close = b[i...].firstIndex(of: UInt8(ascii: "'")) else { throw fail("unterminated single quote", at: i - 1) }
                if !pending.isEmpty, b[i..<close].contains(0x0a) { throw fail("newline in a quoted word before a here-document body") }
                text.append(contentsOf: b[i..<close])
                i = close + 1
            case UInt8(ascii: "\""):
                i += 1
                let (t, k) = try scanExpandable(terminator: UInt8(ascii: "\""))
                text.append(contentsOf: t)
                wc.formUnion(k)
            case UInt8(ascii: "$"):
                let k = try parseDollar(&text, inDoubleQuotes: false)
                wc.formUnion(k)
            case UInt8(ascii: "`"):
                try parseBackticks(&text, inDoubleQuotes: false)
                wc.insert(.commandSubstitution)
            case UInt8(ascii: "*"), UInt8(ascii: "?"):
                wc.insert(.globs); text.append(c); i += 1
            case UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","),
                 UInt8(ascii: "."):
                unquoted.append((text.count, c)); text.append(c); i += 1
            case UInt8(ascii: "~"):
                // Tilde expands at the start of a word and after `=` or `:` (assignments; bash also in arguments).
                if text.isEmpty || text.last == UInt8(ascii: "=") || text.last == UInt8(ascii: ":") { wc.insert(.tilde) }
                text.append(c); i += 1
            default:
                text.append(c); i += 1
            }
        }
        if i == start { throw fail("expected a word") }
        wc.formUnion(Self.bracketAndBraceConstructs(unquoted))
        constructs.formUnion(wc)
        return ShellWord(text: String(decoding: text, as: UTF8.self),
                         raw: String(decoding: b[start..<i], as: UTF8.self), constructs: wc)
    }

    /// `[...]` with a later `]` is a glob; `{...,...}` or `{a..b}` is a bash brace expansion.
    static func bracketAndBraceConstructs(_ u: [(pos: Int, c: UInt8)]) -> ShellConstructs {
        var out: ShellConstructs = []
        var openBracket = false
        var braceDepth = 0
        var braceHasSeparator = false
        var lastDot = -2
        for (pos, c) in u {
            switch c {
            case UInt8(ascii: "["): openBracket = true
            case UInt8(ascii: "]"): if openBracket { out.insert(.globs) }
            case UInt8(ascii: "{"): braceDepth += 1
            case UInt8(ascii: ","): if braceDepth > 0 { braceHasSeparator = true }
            case UInt8(ascii: "."):
                if braceDepth > 0, lastDot == pos - 1 { braceHasSeparator = true }
                lastDot = pos
            case UInt8(ascii: "}"):
                if braceDepth > 0 {
                    if braceHasSeparator { out.insert(.braceExpansion) }
                    braceDepth -= 1
                }
            default: break
            }
        }
        return out
    }

    /// Scans double-quoted text (terminator `"`) or an unquoted here-document body (terminator nil).
    mutating func scanExpandable(terminator: UInt8?) throws -> ([UInt8], ShellConstructs) {
        var text: [UInt8] = []
        var wc: ShellConstructs = []
        let open = i - 1
        while true {
            guard let c = peek() else {
                if terminator != nil { throw fail("unterminated double quote", at: open) }
                break
            }
            if let t = terminator, c == t { i += 1; break }
            switch c {
            case UInt8(ascii: "\\"):
                guard let n = peek(1) else {
                    if terminator != nil { throw fail("unterminated double quote", at: open) }
                    text.append(c); i += 1; continue
                }
                if n == 0x0a { i += 2; continue }
                let escapable = n == UInt8(ascii: "$") || n == UInt8(ascii: "`") || n == UInt8(ascii: "\\")
                    || (terminator != nil && n == UInt8(ascii: "\""))
                if escapable { text.append(n) } else { text.append(c); text.append(n) }
                i += 2
            case UInt8(ascii: "$"):
                wc.formUnion(try parseDollar(&text, inDoubleQuotes: true))
            case UInt8(ascii: "`"):
                try parseBackticks(&text, inDoubleQuotes: terminator != nil)
                wc.insert(.commandSubstitution)
            case 0x0a:
                if terminator != nil, !pending.isEmpty { throw fail("newline in a quoted word before a here-document body") }
                text.append(c); i += 1
            default:
                text.append(c); i += 1
            }
        }
        constructs.formUnion(wc)
        return (text, wc)
    }

    /// `$...` at `i`. Appends the source spelling (or the decoded ANSI-C string) to `text`.
    mutating func parseDollar(_ text: inout [UInt8], inDoubleQuotes: Bool) throws -> ShellConstructs {
        let start = i
        guard let n = peek(1) else { text.append(UInt8(ascii: "$")); i += 1; return [] }
        switch n {
        case UInt8(ascii: "'") where !inDoubleQuotes:
            i += 2
            try parseAnsiC(&text)
            return .ansiCQuoting
        case UInt8(ascii: "\"") where !inDoubleQuotes:
            throw fail("locale quoting $\"...\" is not supported")
        case UInt8(ascii: "("):
            if peek(2) == UInt8(ascii: "(") {
                let k = try parseArithmetic()
                text.append(contentsOf: b[start..<i])
                return k
            }
            try nested(.commandSubstitution) { p in
                p.i += 2
                try p.parseList(until: .closeParen)
                p.i += 1
            }
            text.append(contentsOf: b[start..<i])
            return .commandSubstitution
        case UInt8(ascii: "["):
            throw fail("arithmetic $[...] is not supported")
        case UInt8(ascii: "{"):
            var j = i + 2
            if j < b.count, isNameStart(b[j]) {
                while j < b.count, isNameChar(b[j]) { j += 1 }
            } else if j < b.count, isDigit(b[j]) {
                while j < b.count, isDigit(b[j]) { j += 1 }
            } else if j < b.count, "@*#?-$!".utf8.contains(b[j]) {
                j += 1
            } else {
                throw fail("parameter expansion ${...} with operators is not supported")
            }
            guard j < b.count, b[j] == UInt8(ascii: "}") else {
                throw fail("parameter expansion ${...} with operators is not supported")
            }
            i = j + 1
            text.append(contentsOf: b[start..<i])
            return .parameterExpansion
        default:
            if isNameStart(n) {
                var j = i + 1
                while j < b.count, isNameChar(b[j]) { j += 1 }
                i = j
            } else if isDigit(n) || "@*#?-$!".utf8.contains(n) {
                i += 2
            } else {
                text.append(UInt8(ascii: "$")); i += 1
                return []
            }
            text.append(contentsOf: b[start..<i])
            return .parameterExpansion
        }
    }

    /// `$((...))`: only numbers, operators and variable names. Anything else (substitutions, arrays, quotes)
    /// could run commands in bash, so it is refused.
    mutating func parseArithmetic() throws -> ShellConstructs {
        let start = i
        i += 3
        var depth = 0
        var hasName = false
        while true {
            guard let c = peek() else { throw fail("unterminated arithmetic expansion", at: start) }
            if c == UInt8(ascii: ")") {
                if depth == 0 {
                    guard peek(1) == UInt8(ascii: ")") else { throw fail("unbalanced ')' in arithmetic expansion") }
                    i += 2
                    break
                }
                depth -= 1; i += 1; continue
            }
            if c == UInt8(ascii: "(") { depth += 1; i += 1; continue }
            if isNameStart(c) { hasName = true; i += 1; continue }
            if isDigit(c) || isBlank(c) || "+-*/%<>=!&|^~?:,".utf8.contains(c) { i += 1; continue }
            throw fail("arithmetic expansion may only hold numbers, operators and names")
        }
        constructs.insert(.arithmetic)
        if hasName { constructs.insert(.arithmeticVariables); return [.arithmetic, .arithmeticVariables] }
        return .arithmetic
    }

    /// `` `...` ``: the content is de-escaped (`\\`, `` \` ``, `\$`, and `\"` inside double quotes) and parsed
    /// as a command list of its own.
    mutating func parseBackticks(_ text: inout [UInt8], inDoubleQuotes: Bool) throws {
        let start = i
        i += 1
        var inner: [UInt8] = []
        while true {
            guard let c = peek() else { throw fail("unterminated backquote", at: start) }
            if c == UInt8(ascii: "`") { i += 1; break }
            if c == UInt8(ascii: "\\"), let n = peek(1) {
                if n == UInt8(ascii: "`") || n == UInt8(ascii: "\\") || n == UInt8(ascii: "$") || (inDoubleQuotes && n == UInt8(ascii: "\"")) {
                    inner.append(n); i += 2; continue
                }
            }
            inner.append(c); i += 1
        }
        if depth + listDepth + 1 > ShellParser.maxDepth { throw fail("nesting too deep") }
        var sub = ParserState(bytes: inner, depth: depth + listDepth + 1, context: context.union(.commandSubstitution))
        do {
            try sub.parseList(until: .endOfInput)
        } catch let e as ShellParseError {
            throw fail("in backquotes: \(e.reason)", at: start)
        }
        commands.append(contentsOf: sub.commands)
        constructs.formUnion(sub.constructs)
        constructs.insert(.commandSubstitution)
        text.append(contentsOf: b[start..<i])
    }

    mutating func parseProcessSubstitution(_ text: inout [UInt8]) throws {
        let start = i
        try nested(.processSubstitution) { p in
            p.i += 2
            try p.parseList(until: .closeParen)
            p.i += 1
        }
        text.append(contentsOf: b[start..<i])
    }

    /// `$'...'` (bash). `\'` inside is refused: dash before 0.5.13 ends the string there, so the two shells
    /// would split the input into different commands.
    mutating func parseAnsiC(_ text: inout [UInt8]) throws {
        let open = i - 2
        var out: [UInt8] = []
        func hexValue(_ c: UInt8) -> UInt32? {
            switch c {
            case 0x30...0x39: return UInt32(c - 0x30)
            case 0x41...0x46: return UInt32(c - 0x41 + 10)
            case 0x61...0x66: return UInt32(c - 0x61 + 10)
            default: return nil
            }
        }
        while true {
            guard let c = peek() else { throw fail("unterminated $'...'", at: open) }
            if c == UInt8(ascii: "'") { i += 1; break }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            guard let e = peek(1) else { throw fail("unterminated $'...'", at: open) }
            i += 2
            switch e {
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "e"), UInt8(ascii: "E"): out.append(0x1b)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0b)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "?"): out.append(UInt8(ascii: "?"))
            case UInt8(ascii: "'"):
                throw fail("\\' inside $'...' is read differently by sh and bash", at: i - 2)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var v = UInt32(e - 0x30)
                var k = 1
                while k < 3, let d = peek(), d >= 0x30, d <= 0x37 { v = v * 8 + UInt32(d - 0x30); i += 1; k += 1 }
                out.append(UInt8(truncatingIfNeeded: v))
            case UInt8(ascii: "x"):
                var v: UInt32 = 0
                var k = 0
                while k < 2, let d = peek(), let h = hexValue(d) { v = v * 16 + h; i += 1; k += 1 }
                if k == 0 { out.append(UInt8(ascii: "\\")); out.append(e) } else { out.append(UInt8(v)) }
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                var v: UInt32 = 0
                var k = 0
                let maxDigits = e == UInt8(ascii: "u") ? 4 : 8
                while k < maxDigits, let d = peek(), let h = hexValue(d) { v = v * 16 + h; i += 1; k += 1 }
                if k == 0 { out.append(UInt8(ascii: "\\")); out.append(e); break }
                // bash decodes \u above ASCII only when the locale can encode it (C leaves it as written).
                guard v < 0x80, let scalar = Unicode.Scalar(v) else {
                    throw fail("\\u escape above ASCII in $'...' depends on the locale")
                }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            case UInt8(ascii: "c"):
                guard let d = peek() else { throw fail("unterminated $'...'", at: open) }
                i += 1
                out.append(d & 0x1f)
            default:
                out.append(UInt8(ascii: "\\")); out.append(e)
            }
        }
        if out.contains(0) { throw fail("NUL byte in $'...' (bash truncates the word there)", at: open) }
        let decoded = String(decoding: out, as: UTF8.self)
        if !Array(decoded.utf8).elementsEqual(out) { throw fail("$'...' decodes to invalid UTF-8", at: open) }
        text.append(contentsOf: out)
    }
}
