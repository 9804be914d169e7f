// How a denied option is recognised in an argv, without knowing the program's own option table.
//
// Programs parse options in many ways (getopt, getopt_long with abbreviations, getopt_long_only, hand-rolled
// single-dash long options like find's), so the matcher assumes every one of them at once and reports a
// match if any reading could select the denied option. That over-approximates (refuses some harmless
// spellings) and never under-approximates.

public enum DeniedOption: Sendable, Equatable {
    /// `--name`: matches `--name`, `--name=v`, any `--prefix` of it (getopt_long abbreviations), and the
    /// same with a single dash (getopt_long_only), prefixes of at least two letters.
    case long(String)
    /// `-x`: matches the letter anywhere in a single-dash cluster (`-x`, `-xvalue`, `-abx`), since without the
    /// program's table a preceding letter cannot be known to take the rest as its value.
    case short(Character)
    /// `-word` (find's `-exec`, zip's `-TT`): matches exactly, `-word=v`, and `--word`.
    case singleDashWord(String)

    public init?(_ spelling: String) {
        if spelling.hasPrefix("--") {
            let name = String(spelling.dropFirst(2))
            guard !name.isEmpty else { return nil }
            self = .long(name)
        } else if spelling.hasPrefix("-") {
            let rest = spelling.dropFirst()
            guard let first = rest.first else { return nil }
            self = rest.count == 1 ? .short(first) : .singleDashWord(String(rest))
        } else {
            // Profiles may write `exec` for `--exec`; a bare single letter means `-x`.
            if spelling.count == 1, let c = spelling.first { self = .short(c) }
            else if spelling.isEmpty { return nil }
            else { self = .long(spelling) }
        }
    }

    public var spelling: String {
        switch self {
        case .long(let n): return "--" + n
        case .short(let c): return "-" + String(c)
        case .singleDashWord(let w): return "-" + w
        }
    }

    /// Whether `arg` could select this option.
    public func matches(_ arg: String) -> Bool {
        guard arg.hasPrefix("-"), arg.count > 1 else { return false }
        let isDouble = arg.hasPrefix("--")
        switch self {
        case .long(let name):
            if isDouble {
                let given = Self.optionName(arg.dropFirst(2))
                if given.isEmpty { return false }  // `--` ends options
                return name.hasPrefix(given)
            }
            let given = Self.optionName(arg.dropFirst())
            return given.count >= 2 && name.hasPrefix(given)
        case .short(let c):
            guard !isDouble else { return false }
            return arg.dropFirst().contains(c)
        case .singleDashWord(let w):
            let given = Self.optionName(isDouble ? arg.dropFirst(2) : arg.dropFirst())
            return given == w
        }
    }

    static func optionName(_ s: Substring) -> Substring {
        if let eq = s.firstIndex(of: "=") { return s[s.startIndex..<eq] }
        return s
    }
}

/// A program's own option grammar (GNU getopt_long style), for the few commands whose operands the rule must
/// find exactly (sed's script, awk's program, uniq's output file). Unknown or ambiguous options are errors:
/// guessing their arity could hide the real operands.
struct GetoptSpec {
    enum Arity { case none, required, optional }
    var shortFlags: Set<Character> = []
    var shortRequired: Set<Character> = []
    /// Value only when attached (`-i.bak`).
    var shortOptional: Set<Character> = []
    var long: [String: Arity] = [:]
    /// Options end at the first operand (getopt's "+": wrappers, whose operands are another command line).
    var stopAtOperand = false

    struct Parsed {
        /// Canonical names (`e`, `expression`) with their values.
        var options: [(name: String, value: String?)] = []
        var operands: [String] = []
    }

    func parse(_ args: [String], command: String) -> Result<Parsed, DenialReason> {
        var out = Parsed()
        var k = 0
        while k < args.count {
            let a = args[k]
            k += 1
            if a == "--" { out.operands += args[k...]; break }
            if a.hasPrefix("--") {
                let body = a.dropFirst(2)
                let name = DeniedOption.optionName(body)
                let attached: String? = body.count > name.count ? String(body.dropFirst(name.count + 1)) : nil
                let candidates = long.keys.filter { $0.hasPrefix(name) }
                let resolved: String
                if long[String(name)] != nil { resolved = String(name) }
                else if candidates.count == 1, let only = candidates.first { resolved = only }
                else if candidates.isEmpty { return .failure(.init("\(command) option --\(name) is not known to contain, so its operands cannot be checked")) }
                else { return .failure(.init("\(command) option --\(name) is ambiguous (\(candidates.sorted().map { "--" + $0 }.joined(separator: ", ")))")) }
                switch long[resolved] ?? .none {
                case .none:
                    if attached != nil { return .failure(.init("\(command) option --\(resolved) takes no value")) }
                    out.options.append((resolved, nil))
                case .optional:
                    out.options.append((resolved, attached))
                case .required:
                    if let v = attached { out.options.append((resolved, v)) }
                    else if k < args.count { out.options.append((resolved, args[k])); k += 1 }
                    else { return .failure(.init("\(command) option --\(resolved) needs a value")) }
                }
                continue
            }
            if a.hasPrefix("-"), a.count > 1 {
                var rest = Substring(a.dropFirst())
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if shortFlags.contains(c) { out.options.append((String(c), nil)); continue }
                    if shortOptional.contains(c) {
                        out.options.append((String(c), rest.isEmpty ? nil : String(rest)))
                        break
                    }
                    if shortRequired.contains(c) {
                        if !rest.isEmpty { out.options.append((String(c), String(rest))) }
                        else if k < args.count { out.options.append((String(c), args[k])); k += 1 }
                        else { return .failure(.init("\(command) option -\(c) needs a value")) }
                        break
                    }
                    return .failure(.init("\(command) option -\(c) is not known to contain, so its operands cannot be checked"))
                }
                continue
            }
            if stopAtOperand { out.operands += args[(k - 1)...]; break }
            out.operands.append(a)
        }
        return .success(out)
    }
}

/// A denial reason (text after "Blocked by contain: <rule>: ").
struct DenialReason: Error, Equatable {
    var text: String
    init(_ text: String) { self.text = text }
}
