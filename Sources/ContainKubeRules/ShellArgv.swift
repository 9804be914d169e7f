// kubectl run by a shell-exec tool. mcp-shell-server takes an argv array in which a discrete `|`, `;`,
// `&&` or `||` element separates commands and `>`, `>>`, `<` redirect; every command in the array must be
// kubectl and is checked on its own (the last `-n` of one command says nothing about another). Only the
// first command reads the tool's `stdin`; a later one reads the previous command's output, which the rule
// cannot see.

enum ShellArgv {
    static let separators: Set<String> = ["|", ";", "&&", "||", "&", "|&"]
    static let redirections: Set<String> = [">", ">>", "<", "<<", "<<<", "&>", "&>>", ">&", "<&", ">|", "<>"]

    static func isKubectl(_ word: String) -> Bool {
        word == "kubectl" || word.hasSuffix("/kubectl")
    }

    static func accesses(_ argv: [String], stdin: String?, _ setting: ToolSemantics.Setting) throws(KubeRefusal) -> [KubeAccess] {
        var segments: [[String]] = [[]]
        for word in argv {
            if separators.contains(word) {
                segments.append([])
            } else {
                segments[segments.count - 1].append(word)
            }
        }
        var out: [KubeAccess] = []
        for (i, seg) in segments.enumerated() {
            guard let first = seg.first else { throw KubeRefusal("empty command in the argv") }
            if let r = seg.first(where: { redirections.contains($0) || isNumberedRedirection($0) }) {
                throw KubeRefusal("redirection \"\(r)\" in a kubectl command")
            }
            guard isKubectl(first) else {
                throw KubeRefusal("\"\(first.prefix(60))\" is not kubectl; a kubernetes rule only lets kubectl through")
            }
            let cl = try KubectlParser.parse(Array(seg.dropFirst()))
            out += try KubectlSemantics.accesses(cl, .init(defaultNamespace: setting.defaultNamespace, stdin: i == 0 ? stdin : nil))
        }
        return out
    }

    /// `2>`, `2>>`, `1>&2`, ...
    private static func isNumberedRedirection(_ w: String) -> Bool {
        let digits = w.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty else { return false }
        let rest = w.dropFirst(digits.count)
        return rest.hasPrefix(">") || rest.hasPrefix("<")
    }

    /// A shell command string reduced to words, when it is simple enough that shell word splitting and
    /// shlex agree: no expansions, substitutions, globs, braces, comments, operators or newlines.
    static func simpleWords(_ s: String) throws(KubeRefusal) -> [String] {
        let special: Set<Unicode.Scalar> = ["$", "`", ";", "&", "|", "<", ">", "(", ")", "{", "}", "*", "?", "[", "]", "~", "!", "#", "\n", "\r"]
        if let c = s.unicodeScalars.first(where: { special.contains($0) || $0.value < 0x20 && $0 != "\t" }) {
            throw KubeRefusal("shell command uses \"\(c.escaped(asASCII: true))\"; only plain kubectl words can be checked here")
        }
        return try ShlexSplit.split(s)
    }
}
