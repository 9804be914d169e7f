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

import Synchronization

public struct SafeRegexError: Error, Sendable, CustomStringConvertible {
    public var pattern: String
    public var offset: Int
    public var reason: String
    public var description: String { "invalid regex \(JSONSerializer.quoted(pattern)) at character \(offset): \(reason)" }
}

public struct SafeRegex: Sendable {
    public let pattern: String
    let program: RegexProgram

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
        program = RegexProgram(e.code)
    }

    /// Whole-text match. Allocation-free when no other thread is matching the same regex at that moment
    /// (the regex keeps one scratch area; a concurrent caller gets its own).
    public func matches(_ text: String) -> Bool {
        if let r = text.utf8.withContiguousStorageIfAvailable({ program.matches($0) }) { return r }
        var copy = text
        return copy.withUTF8 { program.matches($0) }
    }
}

/// The compiled program in a flat form the matcher reads without retain/release traffic (the `Inst`
/// enum's class ranges are arrays: reading one per step and character cost a retain and a release), and
/// the matcher's work lists, allocated once per regex instead of five arrays per match.
final class RegexProgram: Sendable {
    private let ops: [RegexOp]
    /// Class ranges, `lo, hi` pairs; an op of kind `cls` names its first pair and the pair count.
    private let ranges: [UInt32]
    private let scratch: Mutex<RegexScratch>

    init(_ code: [Inst]) {
        var flatRanges: [UInt32] = []
        var ops: [RegexOp] = []
        ops.reserveCapacity(code.count)
        for inst in code {
            switch inst {
            case .char(let c): ops.append(RegexOp(kind: .char, a: c, b: 0))
            case .any: ops.append(RegexOp(kind: .any, a: 0, b: 0))
            case .cls(let rs, let negated):
                ops.append(RegexOp(kind: negated ? .negatedClass : .cls, a: UInt32(flatRanges.count / 2), b: UInt32(rs.count)))
                for r in rs { flatRanges.append(r.lowerBound); flatRanges.append(r.upperBound) }
            case .split(let x, let y): ops.append(RegexOp(kind: .split, a: UInt32(x), b: UInt32(y)))
            case .jmp(let t): ops.append(RegexOp(kind: .jmp, a: UInt32(t), b: 0))
            case .assertStart: ops.append(RegexOp(kind: .assertStart, a: 0, b: 0))
            case .assertEnd: ops.append(RegexOp(kind: .assertEnd, a: 0, b: 0))
            case .match: ops.append(RegexOp(kind: .match, a: 0, b: 0))
            }
        }
        self.ops = ops
        ranges = flatRanges
        scratch = Mutex(RegexScratch(instructions: code.count))
    }

    /// `text`: valid UTF-8 (a Swift String's bytes), matched scalar by scalar.
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        ops.withUnsafeBufferPointer { ops in
            ranges.withUnsafeBufferPointer { ranges in
                let vm = PikeVM(ops: ops, ranges: ranges)
                if let r = scratch.withLockIfAvailable({ vm.run(text, $0) }) { return r }
                return vm.run(text, RegexScratch(instructions: ops.count))
            }
        }
    }

    /// The same match with a given scratch area (tests start it at any generation).
    func matches(_ text: UnsafeBufferPointer<UInt8>, using scratch: RegexScratch) -> Bool {
        ops.withUnsafeBufferPointer { ops in
            ranges.withUnsafeBufferPointer { ranges in PikeVM(ops: ops, ranges: ranges).run(text, scratch) }
        }
    }

    var instructionCount: Int { ops.count }
}

/// One match over a program: a Pike VM. A state list holds each state once, so a step costs at most one
/// pass over the program and the whole match is linear in the text.
private struct PikeVM {
    let ops: UnsafeBufferPointer<RegexOp>
    let ranges: UnsafeBufferPointer<UInt32>

    func run(_ text: UnsafeBufferPointer<UInt8>, _ s: RegexScratch) -> Bool {
        let n = text.count
        var current = s.listA, next = s.listB
        s.newGeneration()
        var count = add(to: current, count: 0, 0, atStart: true, atEnd: n == 0, s)
        var i = 0
        while i < n {
            let ch = PikeVM.decode(text, &i)
            let atEnd = i == n
            var nextCount = 0
            s.newGeneration()
            for k in 0..<count {
                let pc = Int(current[k])
                let op = ops[pc]
                let hit: Bool
                switch op.kind {
                case .char: hit = op.a == ch
                case .any: hit = true
                case .cls: hit = inClass(op, ch)
                case .negatedClass: hit = !inClass(op, ch)
                default: hit = false
                }
                if hit { nextCount = add(to: next, count: nextCount, pc + 1, atStart: false, atEnd: atEnd, s) }
            }
            swap(&current, &next)
            count = nextCount
            if count == 0 { return false }
        }
        for k in 0..<count where ops[Int(current[k])].kind == .match { return true }
        return false
    }

    @inline(__always) private func inClass(_ op: RegexOp, _ ch: UInt32) -> Bool {
        var j = Int(op.a) &* 2
        let end = j &+ Int(op.b) &* 2
        while j < end {
            if ch >= ranges[j] && ch <= ranges[j &+ 1] { return true }
            j &+= 2
        }
        return false
    }

    /// Follows jumps, splits and assertions from `start`, appending each reachable consuming or match
    /// state not yet in this generation's list (`run` starts a generation per list); returns the new count.
    private func add(to list: UnsafeMutablePointer<Int32>, count: Int, _ start: Int, atStart: Bool, atEnd: Bool,
                     _ s: RegexScratch) -> Int {
        var count = count
        let stack = s.stack, seen = s.seen, generation = s.generation
        stack[0] = Int32(start)
        var top = 1
        while top > 0 {
            top &-= 1
            let pc = Int(stack[top])
            if seen[pc] == generation { continue }
            seen[pc] = generation
            let op = ops[pc]
            switch op.kind {
            case .jmp: stack[top] = Int32(op.a); top &+= 1
            case .split: stack[top] = Int32(op.b); stack[top &+ 1] = Int32(op.a); top &+= 2
            case .assertStart: if atStart { stack[top] = Int32(pc + 1); top &+= 1 }
            case .assertEnd: if atEnd { stack[top] = Int32(pc + 1); top &+= 1 }
            default: list[count] = Int32(pc); count &+= 1
            }
        }
        return count
    }

    /// Next scalar of valid UTF-8 at `i` (a String's bytes are always valid).
    @inline(__always) static func decode(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> UInt32 {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { i &+= 1; return b0 }
        if b0 < 0xE0 {
            let v = (b0 & 0x1F) << 6 | UInt32(p[i &+ 1] & 0x3F)
            i &+= 2
            return v
        }
        if b0 < 0xF0 {
            let v = (b0 & 0x0F) << 12 | UInt32(p[i &+ 1] & 0x3F) << 6 | UInt32(p[i &+ 2] & 0x3F)
            i &+= 3
            return v
        }
        let v = (b0 & 0x07) << 18 | UInt32(p[i &+ 1] & 0x3F) << 12 | UInt32(p[i &+ 2] & 0x3F) << 6 | UInt32(p[i &+ 3] & 0x3F)
        i &+= 4
        return v
    }
}

struct RegexOp {
    enum Kind: UInt8 { case char, any, cls, negatedClass, split, jmp, assertStart, assertEnd, match }
    var kind: Kind
    /// char: the scalar; cls: first range pair; split: first branch; jmp: target.
    var a: UInt32
    /// cls: number of range pairs; split: second branch.
    var b: UInt32
}

/// The matcher's work lists for a program of `instructions` states: two state lists, the generation stamps
/// that keep each state in a list once (no clearing per step), and the closure stack (each state pushes
/// at most two others, once per generation). Unchecked Sendable: it is only ever used by one thread at a
/// time, the holder of its program's mutex or the one caller that made a private one.
final class RegexScratch: @unchecked Sendable {
    let listA: UnsafeMutablePointer<Int32>
    let listB: UnsafeMutablePointer<Int32>
    let stack: UnsafeMutablePointer<Int32>
    let seen: UnsafeMutablePointer<UInt32>
    private let instructions: Int
    /// The current list's stamp (settable so tests can start next to the wrap-around).
    var generation: UInt32 = 0

    init(instructions: Int) {
        let n = max(1, instructions)
        self.instructions = n
        listA = .allocate(capacity: n)
        listB = .allocate(capacity: n)
        stack = .allocate(capacity: 2 * n + 2)
        seen = .allocate(capacity: n)
        seen.initialize(repeating: 0, count: n)
    }

    deinit {
        listA.deallocate(); listB.deallocate(); stack.deallocate(); seen.deallocate()
    }

    /// Starts a new list: every stamp from before no longer counts. On wrap-around the stamps are cleared,
    /// so a stale stamp can never equal the new generation.
    func newGeneration() {
        generation &+= 1
        if generation == 0 {
            seen.update(repeating: 0, count: instructions)
            generation = 1
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
