// Python's `shlex.split(s)` (POSIX mode, no comments), which kubectl-mcp-server applies to its
// `kubectl_generic` command string before running kubectl without a shell. The rule must see the same
// words the server will pass, so this follows shlex's state machine rather than POSIX shell grammar:
// no expansions, `\` escapes any character outside quotes, inside double quotes only `\"` and `\\`.

enum ShlexSplit {
    static func split(_ s: String) throws(KubeRefusal) -> [String] {
        enum State { case between, word, single, double }
        var words: [String] = []
        var cur = ""
        var state = State.between
        var it = Array(s.unicodeScalars)[...]
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" || c == "\n" }
        while let c = it.popFirst() {
            switch state {
            case .between, .word:
                if isSpace(c) {
                    if state == .word { words.append(cur); cur = ""; state = .between }
                } else if c == "'" {
                    state = .single
                } else if c == "\"" {
                    state = .double
                } else if c == "\\" {
                    guard let n = it.popFirst() else { throw KubeRefusal("command string ends in an escape") }
                    cur.unicodeScalars.append(n)
                    state = .word
                } else {
                    cur.unicodeScalars.append(c)
                    state = .word
                }
            case .single:
                if c == "'" { state = .word } else { cur.unicodeScalars.append(c) }
            case .double:
                if c == "\"" {
                    state = .word
                } else if c == "\\" {
                    guard let n = it.popFirst() else { throw KubeRefusal("command string ends inside quotes") }
                    if n == "\"" || n == "\\" {
                        cur.unicodeScalars.append(n)
                    } else {
                        cur.unicodeScalars.append(c)
                        cur.unicodeScalars.append(n)
                    }
                } else {
                    cur.unicodeScalars.append(c)
                }
            }
        }
        switch state {
        case .single, .double: throw KubeRefusal("command string has an unterminated quote")
        case .word: words.append(cur)
        case .between: break
        }
        return words
    }
}
