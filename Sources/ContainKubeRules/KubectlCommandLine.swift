// A kubectl argv split the way kubectl's flag parser (pflag under cobra) splits it: flags and their values
// on one side, positional words on the other, so the rule reads the same namespace, verb and resource
// words kubectl will. The only decisions made here are refusals no profile can lift: flags that retarget
// kubectl, make it read or write local files, and `kubectl config`.

struct KubectlCommandLine: Sendable, Equatable {
    /// Positional words before `--` (the verb first).
    var words: [String] = []
    /// Words after `--` (exec's command; positional for other verbs).
    var afterDashDash: [String] = []
    /// The last `-n`/`--namespace` value (kubectl: the last one wins).
    var namespace: String?
    var allNamespaces = false
    var filenames: [String] = []
    var kustomize = false
    var raw: String?
    var watch = false
    var prune = false
    var help = false
    /// Long names of every flag given (normalised), for verb-specific checks.
    var flags: Set<String> = []

    var verb: String? { words.first }
}

enum KubectlParser {
    /// Parses kubectl's arguments (without the leading `kubectl`).
    static func parse(_ args: [String]) throws(KubeRefusal) -> KubectlCommandLine {
        var cl = KubectlCommandLine()
        var i = 0
        while i < args.count {
            let a = args[i]
            i += 1
            if a == "--" {
                cl.afterDashDash = Array(args[i...])
                break
            }
            if a.hasPrefix("--") {
                let body = a.dropFirst(2)
                let name: String
                var value: String?
                if let eq = body.firstIndex(of: "=") {
                    name = normalise(body[..<eq])
                    value = String(body[body.index(after: eq)...])
                } else {
                    name = normalise(body)
                }
                guard let spec = KubectlFlags.long(name, verb: cl.verb) else {
                    // kubectl refuses flags it does not know, so an unknown flag is only a risk when kubectl
                    // knows it and it takes a value: then the next word is its value, not what it looks like.
                    if value == nil && i < args.count {
                        throw KubeRefusal("unknown kubectl option --\(name): cannot tell whether it takes the next word as its value; write --\(name)=VALUE")
                    }
                    cl.flags.insert(name)
                    continue
                }
                if spec.takesValue && value == nil {
                    guard i < args.count else { throw KubeRefusal("kubectl option --\(name) needs a value") }
                    value = args[i]
                    i += 1
                }
                try apply(spec, name: name, value: value, display: "--\(name)", to: &cl)
                continue
            }
            if a.hasPrefix("-") && a.count > 1 {
                try parseShortCluster(Array(a.dropFirst()), args: args, index: &i, into: &cl)
                continue
            }
            cl.words.append(a)
            if cl.words.count == 1 && a == "config" {
                // Refused whatever follows; its flags (`--raw`, `--flatten`, `--current`) mean other things there.
                throw KubeRefusal(KubectlSemantics.configRefusal(args.dropFirst(i).first(where: { !$0.hasPrefix("-") })))
            }
        }
        return cl
    }

    /// `-Aw`, `-nprod`, `-n=prod`, `-n prod`, `-wnprod`: bool letters stack; the first letter that takes a
    /// value takes the rest of the word (after an optional `=`) or else the next word.
    private static func parseShortCluster(_ letters: [Character], args: [String], index i: inout Int, into cl: inout KubectlCommandLine) throws(KubeRefusal) {
        var k = 0
        while k < letters.count {
            let c = letters[k]
            guard let name = KubectlFlags.short(c, verb: cl.verb), let spec = KubectlFlags.long(name, verb: cl.verb) else {
                throw KubeRefusal("unknown kubectl option -\(c)")
            }
            var value: String?
            let restStart = k + 1
            if restStart < letters.count && letters[restStart] == "=" {
                value = String(letters[(restStart + 1)...])
                k = letters.count
            } else if spec.takesValue {
                if restStart < letters.count {
                    value = String(letters[restStart...])
                } else {
                    guard i < args.count else { throw KubeRefusal("kubectl option -\(c) needs a value") }
                    value = args[i]
                    i += 1
                }
                k = letters.count
            } else {
                k += 1
            }
            try apply(spec, name: name, value: value, display: "-\(c) (--\(name))", to: &cl)
        }
    }

    private static func apply(_ spec: FlagSpec, name: String, value: String?, display: String, to cl: inout KubectlCommandLine) throws(KubeRefusal) {
        cl.flags.insert(name)
        // A bool flag given `=value` must be a value kubectl (strconv.ParseBool) reads; anything else fails there.
        var on = true
        if !spec.takesValue, let value {
            guard let b = parseBool(value) else { throw KubeRefusal("kubectl option \(display) given a non-boolean value \"\(value.prefix(40))\"") }
            on = b
        }
        switch spec.effect {
        case .none, .recursive:
            if name == "help" { cl.help = on }
        case .namespace:
            let v = value ?? ""
            guard !v.isEmpty else { throw KubeRefusal("empty namespace in \(display)") }
            cl.namespace = try NamespaceName.checked(v, from: display)
        case .allNamespaces:
            cl.allNamespaces = on
        case .retarget:
            throw KubeRefusal("\(display) points kubectl at another cluster, user or credential")
        case .writesFile:
            throw KubeRefusal("\(display) makes kubectl write a file of the caller's choosing")
        case .readsFile:
            throw KubeRefusal("\(display) makes kubectl read a local file (the kubeconfig is one)")
        case .output:
            // Output formats that take a template from a file print that file (text without template
            // actions comes out verbatim): `-o go-template-file=$KUBECONFIG` would print the credentials.
            let format = (value ?? "").lowercased()
            if ToolArguments.fileTemplateFormats.contains(where: { format.hasPrefix($0) }) {
                throw KubeRefusal("\(display) \(format.prefix(40)): output templates from files print local files")
            }
        case .filename:
            cl.filenames.append(value ?? "")
        case .kustomize:
            cl.kustomize = true
        case .raw:
            cl.raw = value ?? ""
        case .watch:
            if on { cl.watch = true }
        case .prune:
            if on { cl.prune = true }
        }
    }

    static func normalise<S: StringProtocol>(_ s: S) -> String {
        String(s.map { $0 == "_" ? "-" : $0 })
    }

    /// Go's strconv.ParseBool.
    static func parseBool(_ s: String) -> Bool? {
        switch s {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: return nil
        }
    }
}
