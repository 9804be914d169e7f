// Regular expressions for policy conditions, matched in linear time (a Pike VM over Unicode scalars).
// The pattern comes from the profile but the text comes from the client, so a backtracking engine would
// let a client stall the wall with a crafted argument; this one cannot.
//
// Semantics: the pattern must match the WHOLE text (anchored at both ends). `^` and `$` only ever mean
// start and end of the text: never of a line, and `$` does not match before a trailing newline, so
// "ls\nrm -rf /" cannot satisfy `ls.*` by stopping at the newline. `.` matches every character,
// including newlines, so a `deny_if` pattern like `.*sudo.*` cannot be dodged with a line break.
//
// Syntax: literals, `.`, `[...]` classes with ranges and `^` negation, `\d \D \w \W \s \S`, escapes
// `\n \r \t \\ \.` etc., groups `(...)` and `(?:...)`, `|`, `* + ? {n} {n,} {n,m}` (a trailing lazy `?`
// is accepted; laziness is irrelevant for a whole-text match). Backreferences and lookaround are refused.

public struct SafeRegexError: Error, Sendable, CustomStringConvertible {
    public var pattern: String
    public var offset: Int
    public var reason: String
    public var description: String { "invalid regex \(JSONSerializer.quoted(pattern)) at character \(offset): \(reason)" }
}

public struct SafeRegex: Sendable {
    public let pattern: String
    private let program: [Inst]

    /// Bound on compiled size so `(a{1000}){1000}` cannot blow up memory or matching time.
    static let maxInstructions = 20_000

    public init(_ pattern: String) throws(SafeRegexError) {
        self.pattern = pattern
        var p = RegexParser(chars: Array(pattern.unicodeScalars), pattern: pattern)
        let node = try p.parseAlternation()
        if p.i < p.chars.count { throw p.error(p.chars[p.i] == ")" ? "unbalanced ')'" : "unexpected character") }
        var e = RegexEmitter()
        try e.emit(node, pattern: pattern)
        e.code.append(.match)
        program = e.code
    }

    /// Whole-text match.
    public func matches(_ text: String) -> Bool {
        let n = program.count
        var current = ThreadList(capacity: n)
        var next = ThreadList(capacity: n)
        var scalars = text.unicodeScalars.makeIterator()
        var atStart = true
        var c = scalars.next()
        var stack: [Int] = []
        stack.reserveCapacity(n)
        add(&current, 0, atStart: atStart, atEnd: c == nil, &stack)
        while let ch = c {
            atStart = false
            let following = scalars.next()
            next.clear()
            for pc in current.items {
                switch program[pc] {
                case .char(let x): if x == ch.value { add(&next, pc + 1, atStart: false, atEnd: following == nil, &stack) }
                case .any: add(&next, pc + 1, atStart: false, atEnd: following == nil, &stack)
                case .cls(let ranges, let negated):
                    var hit = false
                    for r in ranges where r.contains(ch.value) { hit = true; break }
                    if hit != negated { add(&next, pc + 1, atStart: false, atEnd: following == nil, &stack) }
                default: break
                }
            }
            swap(&current, &next)
            if current.items.isEmpty { return false }
            c = following
        }
        for pc in current.items { if case .match = program[pc] { return true } }
        return false
    }

    /// Follows jumps, splits and assertions from `pc`, adding each reachable consuming or match state once.
    private func add(_ list: inout ThreadList, _ start: Int, atStart: Bool, atEnd: Bool, _ stack: inout [Int]) {
        stack.removeAll(keepingCapacity: true)
        stack.append(start)
        while let pc = stack.popLast() {
            if list.contains(pc) { continue }
            list.mark(pc)
            switch program[pc] {
            case .jmp(let t): stack.append(t)
            case .split(let a, let b): stack.append(b); stack.append(a)
            case .assertStart: if atStart { stack.append(pc + 1) }
            case .assertEnd: if atEnd { stack.append(pc + 1) }
            default: list.items.append(pc)
            }
        }
    }
}

enum Inst: Sendable {
    case char(UInt32)
    case any
    case cls([ClosedRange<UInt32>], negated: Bool)
    case split(Int, Int)
    case jmp(Int)
    case assertStart, assertEnd
    case match
}

struct ThreadList {
    var items: [Int] = []
    private var seen: [UInt32]
    private var generation: UInt32 = 1
    init(capacity: Int) { seen = Array(repeating: 0, count: capacity); items.reserveCapacity(capacity) }
    func contains(_ pc: Int) -> Bool { seen[pc] == generation }
    mutating func mark(_ pc: Int) { seen[pc] = generation }
    mutating func clear() { items.removeAll(keepingCapacity: true); generation &+= 1 }
}

indirect enum RegexNode {
    case empty
    case char(UInt32)
    case any
    case cls([ClosedRange<UInt32>], negated: Bool)
    case cat([RegexNode])
    case alt([RegexNode])
    case rep(RegexNode, min: Int, max: Int?)
    case start, end
}

struct RegexParser {
    let chars: [Unicode.Scalar]
    let pattern: String
    var i = 0
    var depth = 0

    func error(_ reason: String) -> SafeRegexError { SafeRegexError(pattern: pattern, offset: i, reason: reason) }

    mutating func parseAlternation() throws(SafeRegexError) -> RegexNode {
        var branches = [try parseConcat()]
        while i < chars.count && chars[i] == "|" {
            i += 1
            branches.append(try parseConcat())
        }
        return branches.count == 1 ? branches[0] : .alt(branches)
    }

    mutating func parseConcat() throws(SafeRegexError) -> RegexNode {
        var items: [RegexNode] = []
        while i < chars.count && chars[i] != "|" && chars[i] != ")" {
            var atom = try parseAtom()
            atom = try parseQuantifiers(atom)
            items.append(atom)
        }
        return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .cat(items))
    }

    mutating func parseQuantifiers(_ atom: RegexNode) throws(SafeRegexError) -> RegexNode {
        var node = atom
        var quantified = false
        while i < chars.count {
            let c = chars[i]
            var minC = 0, maxC: Int? = nil
            if c == "*" { i += 1 } else if c == "+" { minC = 1; i += 1 } else if c == "?" && !quantified { maxC = 1; i += 1 }
            else if c == "{", let (lo, hi, next) = braces(at: i) { minC = lo; maxC = hi; i = next }
            else { break }
            if quantified { throw error("nested quantifier") }
            if case .start = node { throw error("quantifier after an anchor") }
            if case .end = node { throw error("quantifier after an anchor") }
            node = .rep(node, min: minC, max: maxC)
            quantified = true
            if i < chars.count && chars[i] == "?" { i += 1 } // lazy: same whole-text result
        }
        return node
    }

    /// `{n}`, `{n,}`, `{n,m}`; anything else is a literal `{`.
    func braces(at start: Int) -> (Int, Int?, Int)? {
        var j = start + 1
        func number(_ j: inout Int) -> Int? {
            var v = 0, any = false
            while j < chars.count, let d = Int(String(chars[j])), chars[j].isASCII {
                v = v * 10 + d; any = true; j += 1
                if v > 1000 { return nil }
            }
            return any ? v : nil
        }
        guard let lo = number(&j) else { return nil }
        var hi: Int? = lo
        if j < chars.count && chars[j] == "," {
            j += 1
            hi = number(&j)
        }
        guard j < chars.count, chars[j] == "}" else { return nil }
        if let h = hi, h < lo { return nil }
        return (lo, hi, j + 1)
    }

    mutating func parseAtom() throws(SafeRegexError) -> RegexNode {
        let c = chars[i]
        switch c {
        case "(":
            i += 1
            if i + 1 < chars.count && chars[i] == "?" {
                guard chars[i + 1] == ":" else { throw error("lookaround and inline flags are not supported") }
                i += 2
            }
            depth += 1
            if depth > 100 { throw error("groups nested too deeply") }
            let inner = try parseAlternation()
            depth -= 1
            guard i < chars.count && chars[i] == ")" else { throw error("missing ')'") }
            i += 1
            return inner
        case ".": i += 1; return .any
        case "^": i += 1; return .start
        case "$": i += 1; return .end
        case "[": return try parseClass()
        case "\\":
            i += 1
            guard i < chars.count else { throw error("trailing backslash") }
            let e = chars[i]
            i += 1
            if let cls = RegexParser.shorthand(e) { return .cls(cls.0, negated: cls.1) }
            if let lit = RegexParser.literalEscape(e) { return .char(lit) }
            throw error("unsupported escape \\\(e)")
        case "*", "+", "?": throw error("quantifier without anything to repeat")
        default:
            i += 1
            return .char(c.value)
        }
    }

    static let digit: [ClosedRange<UInt32>] = [0x30...0x39]
    static let word: [ClosedRange<UInt32>] = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
    static let space: [ClosedRange<UInt32>] = [0x09...0x0D, 0x20...0x20]

    static func shorthand(_ e: Unicode.Scalar) -> ([ClosedRange<UInt32>], Bool)? {
        switch e {
        case "d": return (digit, false)
        case "D": return (digit, true)
        case "w": return (word, false)
        case "W": return (word, true)
        case "s": return (space, false)
        case "S": return (space, true)
        default: return nil
        }
    }

    static func literalEscape(_ e: Unicode.Scalar) -> UInt32? {
        switch e {
        case "n": return 0x0A
        case "r": return 0x0D
        case "t": return 0x09
        case "f": return 0x0C
        case "v": return 0x0B
        case "0": return 0
        default:
            // Only punctuation may be escaped to itself; `\b`, `\1`, `\A` and friends would silently
            // mean something else than in the engines profile authors know.
            if e.isASCII && !e.properties.isAlphabetic && !(e.value >= 0x30 && e.value <= 0x39) { return e.value }
            return nil
        }
    }

    mutating func parseClass() throws(SafeRegexError) -> RegexNode {
        i += 1 // [
        var negated = false
        if i < chars.count && chars[i] == "^" { negated = true; i += 1 }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        var shorthandNegations: [[ClosedRange<UInt32>]] = []
        while true {
            guard i < chars.count else { throw error("missing ']'") }
            var c = chars[i]
            if c == "]" && !first { i += 1; break }
            first = false
            i += 1
            if c == "\\" {
                guard i < chars.count else { throw error("trailing backslash") }
                let e = chars[i]
                i += 1
                if let (cls, neg) = RegexParser.shorthand(e) {
                    if neg { shorthandNegations.append(cls) } else { ranges.append(contentsOf: cls) }
                    continue
                }
                guard let lit = RegexParser.literalEscape(e), let s = Unicode.Scalar(lit) else { throw error("unsupported escape \\\(e)") }
                c = s
            }
            if i + 1 < chars.count && chars[i] == "-" && chars[i + 1] != "]" {
                var hiC = chars[i + 1]
                i += 2
                if hiC == "\\" {
                    guard i < chars.count, let lit = RegexParser.literalEscape(chars[i]), let s = Unicode.Scalar(lit) else {
                        throw error("bad range end")
                    }
                    hiC = s
                    i += 1
                }
                guard c.value <= hiC.value else { throw error("range out of order") }
                ranges.append(c.value...hiC.value)
            } else {
                ranges.append(c.value...c.value)
            }
        }
        // A negated shorthand inside a class ([\W_]) is the complement: add the gaps of its ranges.
        for cls in shorthandNegations {
            var lo: UInt32 = 0
            for r in cls {
                if r.lowerBound > lo { ranges.append(lo...(r.lowerBound - 1)) }
                lo = r.upperBound + 1
            }
            ranges.append(lo...0x10FFFF)
        }
        return .cls(ranges, negated: negated)
    }
}

struct RegexEmitter {
    var code: [Inst] = []

    mutating func emit(_ n: RegexNode, pattern: String) throws(SafeRegexError) {
        if code.count > SafeRegex.maxInstructions {
            throw SafeRegexError(pattern: pattern, offset: 0, reason: "pattern too large after expanding repetitions")
        }
        switch n {
        case .empty: break
        case .char(let c): code.append(.char(c))
        case .any: code.append(.any)
        case .cls(let r, let neg): code.append(.cls(r, negated: neg))
        case .start: code.append(.assertStart)
        case .end: code.append(.assertEnd)
        case .cat(let items): for x in items { try emit(x, pattern: pattern) }
        case .alt(let branches):
            var jumps: [Int] = []
            for (k, b) in branches.enumerated() {
                if k < branches.count - 1 {
                    let split = code.count
                    code.append(.split(split + 1, -1))
                    try emit(b, pattern: pattern)
                    jumps.append(code.count)
                    code.append(.jmp(-1))
                    code[split] = .split(split + 1, code.count)
                } else {
                    try emit(b, pattern: pattern)
                }
            }
            for j in jumps { code[j] = .jmp(code.count) }
        case .rep(let body, let minC, let maxC):
            for _ in 0..<minC { try emit(body, pattern: pattern) }
            if let maxC {
                var splits: [Int] = []
                for _ in minC..<maxC {
                    splits.append(code.count)
                    code.append(.split(code.count + 1, -1))
                    try emit(body, pattern: pattern)
                }
                for s in splits { code[s] = .split(s + 1, code.count) }
            } else {
                let loop = code.count
                code.append(.split(loop + 1, -1))
                try emit(body, pattern: pattern)
                code.append(.jmp(loop))
                code[loop] = .split(loop + 1, code.count)
            }
        }
    }
}
