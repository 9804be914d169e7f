// Argument conditions as libseccomp can express them, and the little algebra the compiler needs.
//
// Why an algebra: libseccomp lets a rule be a conjunction of comparisons with at most one comparison per
// argument, and an unconditional rule for a syscall silently swallows every conditional rule with another
// action (measured with 2.5.4: ALLOW ioctl + ERRNO ioctl if TIOCSTI exports as plain ALLOW). So "allow ioctl
// except TIOCSTI" cannot be written as two rules; the compiler instead emits the exact region of each
// action as disjoint conjunctions, which needs negation (¬(x & m == v) as a prefix cover of the complement,
// the way CIDR blocks cover "everything but one address") and conjunction with simplification.
// The same values evaluate notifications in the listener, so the errno and rule id it reports are the
// ones the filter applied.

import ContainProfile

/// One comparison on one 64-bit syscall argument.
struct ArgComparison: Hashable, Sendable {
    enum Op: Hashable, Sendable {
        /// (arg & mask) == value; value ⊆ mask.
        case maskedEq(mask: UInt64)
        case ne, lt, le, gt, ge
    }
    var op: Op
    var value: UInt64

    static func eq(_ v: UInt64) -> ArgComparison { ArgComparison(op: .maskedEq(mask: .max), value: v) }
    /// Compares the low 32 bits only: the kernel truncates `int`/`unsigned int` arguments, so a caller
    /// setting high bits must not slip past (ioctl 0x1_0000_5412 is TIOCSTI to the kernel).
    static func eq32(_ v: UInt32) -> ArgComparison { ArgComparison(op: .maskedEq(mask: 0xffff_ffff), value: UInt64(v)) }
    static func masked(_ mask: UInt64, _ v: UInt64) -> ArgComparison { ArgComparison(op: .maskedEq(mask: mask), value: v) }

    func holds(_ x: UInt64) -> Bool {
        switch op {
        case .maskedEq(let m): return x & m == value
        case .ne: return x != value
        case .lt: return x < value
        case .le: return x <= value
        case .gt: return x > value
        case .ge: return x >= value
        }
    }

    /// ¬self as a disjunction of single comparisons (pairwise disjoint).
    func negated() -> [ArgComparison] {
        switch op {
        case .maskedEq(let m):
            return m == .max ? [ArgComparison(op: .ne, value: value)] : complementBlocks()
        case .ne: return [.eq(value)]
        case .lt: return [ArgComparison(op: .ge, value: value)]
        case .le: return [ArgComparison(op: .gt, value: value)]
        case .gt: return [ArgComparison(op: .le, value: value)]
        case .ge: return [ArgComparison(op: .lt, value: value)]
        }
    }

    /// The values satisfying self as one inclusive interval, when they are one (ranges and full-width eq).
    var interval: ClosedRange<UInt64>? {
        switch op {
        case .maskedEq(let m): return m == .max ? value...value : nil
        case .ne: return nil
        case .lt: return value == 0 ? nil : 0...(value - 1)
        case .le: return 0...value
        case .gt: return value == .max ? nil : (value + 1)...UInt64.max
        case .ge: return value...UInt64.max
        }
    }

    /// Disjoint masked-equality blocks covering exactly the values satisfying self.
    func blocks() -> [ArgComparison] {
        switch op {
        case .maskedEq: return [self]
        case .ne: return ArgComparison(op: .maskedEq(mask: .max), value: value).complementBlocks()
        default:
            guard let r = interval else { return [] }
            return Self.rangeBlocks(r)
        }
    }

    /// ¬(x & m == v) as masked blocks. Walks the mask's bits from the top: block i agrees with `value` on the
    /// mask bits above bit i and differs at bit i, so the blocks are disjoint and together are exactly
    /// x & m != value.
    func complementBlocks() -> [ArgComparison] {
        guard case .maskedEq(let m) = op else { return [] }
        var out: [ArgComparison] = []
        var above: UInt64 = 0
        var bit: UInt64 = 1 << 63
        while bit != 0 {
            if m & bit != 0 {
                out.append(ArgComparison(op: .maskedEq(mask: above | bit), value: (value & above) | (~value & bit)))
                above |= bit
            }
            bit >>= 1
        }
        return out
    }

    /// An interval as aligned power-of-two blocks (at most 128), like a CIDR decomposition.
    static func rangeBlocks(_ r: ClosedRange<UInt64>) -> [ArgComparison] {
        if r.lowerBound == 0 && r.upperBound == .max { return [.masked(0, 0)] }
        var out: [ArgComparison] = []
        var lo = r.lowerBound
        let hi = r.upperBound
        while true {
            // The largest block aligned at lo that ends at or before hi: 2^k values.
            var k = lo == 0 ? 64 : lo.trailingZeroBitCount
            while k > 0 && (k == 64 || (UInt64(1) << UInt64(k)) - 1 > hi - lo) { k -= 1 }
            let span: UInt64 = (UInt64(1) << UInt64(k)) - 1
            out.append(.masked(~span, lo))
            let last = lo + span
            if last >= hi { return out }
            lo = last + 1
        }
    }

    /// The single comparison holding exactly on `r`, if there is one.
    static func exactly(_ r: ClosedRange<UInt64>) -> ArgComparison? {
        if r.lowerBound == r.upperBound { return .eq(r.lowerBound) }
        if r.lowerBound == 0 { return ArgComparison(op: .le, value: r.upperBound) }
        if r.upperBound == .max { return ArgComparison(op: .ge, value: r.lowerBound) }
        return nil
    }

    /// Every x satisfying self satisfies `other`.
    func implies(_ other: ArgComparison) -> Bool {
        if self == other { return true }
        if let a = interval, let b = other.interval { return b.contains(a.lowerBound) && b.contains(a.upperBound) }
        switch (op, other.op) {
        case (.maskedEq(let m1), .maskedEq(let m2)):
            return m2 & ~m1 == 0 && value & m2 == other.value
        case (.maskedEq(let m1), .ne):
            // Pinned bits already exclude `other.value`.
            return other.value & m1 != value
        case (.lt, .lt), (.le, .le): return value <= other.value
        case (.gt, .gt), (.ge, .ge): return value >= other.value
        default: return false
        }
    }
}

/// A conjunction: at most one comparison per argument index (libseccomp's rule shape). Empty: always true.
///
/// Six inline slots, not a dictionary: the compiler builds and compares tens of thousands of these while
/// negating argument rules, and a heap-allocated, hashed map per term made that the largest part of
/// `contain run`'s start-up. Arguments are always visited in ascending order, so the output is deterministic.
struct ConditionTerm: Hashable, Sendable {
    /// Syscalls have six arguments.
    static let argumentCount = 6

    private var a0: ArgComparison?
    private var a1: ArgComparison?
    private var a2: ArgComparison?
    private var a3: ArgComparison?
    private var a4: ArgComparison?
    private var a5: ArgComparison?

    static let always = ConditionTerm()

    init() {}
    /// One conjunction of comparisons on distinct arguments (the built-in rules' shape).
    init(_ pairs: [(Int, ArgComparison)]) throws(SeccompError) {
        let terms = try ConditionTerm.conjunction(pairs)
        switch terms.count {
        case 0: self = ConditionTerm.never
        case 1: self = terms[0]
        default: throw .unsupportedCondition("\(pairs.map { "arg\($0.0) \($0.1)" }.joined(separator: " && ")) is not one libseccomp rule")
        }
    }

    /// Comparisons ANDed, as a disjunction of libseccomp-shaped terms (several comparisons on one argument
    /// become disjoint masked blocks). Empty: never true.
    static func conjunction(_ pairs: [(Int, ArgComparison)]) throws(SeccompError) -> [ConditionTerm] {
        var terms = [ConditionTerm()]
        for (i, c) in pairs {
            guard (0..<argumentCount).contains(i) else {
                throw .badArgumentIndex(rule: "arg\(i) \(c)", index: i)
            }
            var next: [ConditionTerm] = []
            for t in terms { t.and(argument: i, c, into: &next) }
            if next.count > ConditionRegion.termLimit { throw .tooComplex(syscall: "argument \(i)", terms: next.count) }
            terms = next
        }
        return terms
    }

    /// `i` must be in 0..<6 (callers check; conjunction() is the only way in from outside).
    private init(single i: Int, _ c: ArgComparison) { self[i] = c }

    /// The comparison on argument `i` (0...5); nil when the term does not look at it.
    subscript(_ i: Int) -> ArgComparison? {
        get {
            switch i {
            case 0: return a0
            case 1: return a1
            case 2: return a2
            case 3: return a3
            case 4: return a4
            case 5: return a5
            default: return nil
            }
        }
        set {
            switch i {
            case 0: a0 = newValue
            case 1: a1 = newValue
            case 2: a2 = newValue
            case 3: a3 = newValue
            case 4: a4 = newValue
            case 5: a5 = newValue
            default: break
            }
        }
    }

    /// The compared arguments, ascending, with their comparisons.
    var comparisons: [(index: Int, comparison: ArgComparison)] {
        var out: [(index: Int, comparison: ArgComparison)] = []
        for i in 0..<Self.argumentCount { if let c = self[i] { out.append((i, c)) } }
        return out
    }

    /// How many arguments the term compares (0: always true).
    var count: Int {
        var n = 0
        for i in 0..<Self.argumentCount where self[i] != nil { n += 1 }
        return n
    }

    var isAlways: Bool { a0 == nil && a1 == nil && a2 == nil && a3 == nil && a4 == nil && a5 == nil }

    /// A term no argument vector satisfies (a masked compare whose value has bits outside its mask).
    static let never: ConditionTerm = ConditionTerm(single: 0, ArgComparison(op: .maskedEq(mask: 0), value: 1))

    var isNever: Bool {
        for i in 0..<Self.argumentCount {
            if let c = self[i], c.isUnsatisfiable { return true }
        }
        return false
    }

    func holds(_ args: [UInt64]) -> Bool {
        for i in 0..<Self.argumentCount {
            if let c = self[i], !c.holds(i < args.count ? args[i] : 0) { return false }
        }
        return true
    }

    /// self ∧ other, as disjoint terms (empty when contradictory). Two comparisons on one argument that no
    /// single comparison expresses are split into masked blocks (never widened).
    func and(_ other: ConditionTerm) throws(SeccompError) -> [ConditionTerm] {
        var out = [self]
        for i in 0..<Self.argumentCount {
            guard let c = other[i] else { continue }
            var next: [ConditionTerm] = []
            for t in out { t.and(argument: i, c, into: &next) }
            if next.count > ConditionRegion.termLimit { throw .tooComplex(syscall: "argument \(i)", terms: next.count) }
            out = next
        }
        return out
    }

    /// Appends self ∧ (arg i ⋈ c) as disjoint, satisfiable terms. The caller bounds the growth.
    func and(argument i: Int, _ c: ArgComparison, into out: inout [ConditionTerm]) {
        guard let mine = self[i] else {
            if !c.isUnsatisfiable, !isNever { var n = self; n[i] = c; out.append(n) }
            return
        }
        if case .maskedEq = mine.op, case .maskedEq = c.op {
            // The common case (negations are masked blocks), as merge() decides it, without an array.
            guard let m = Self.mergeMasked(mine, c), !m.isUnsatisfiable else { return }
            var n = self; n[i] = m
            if !n.isNever { out.append(n) }
            return
        }
        for m in Self.merge(mine, c) where !m.isUnsatisfiable {
            var n = self; n[i] = m
            if !n.isNever { out.append(n) }
        }
    }

    /// merge() of two masked compares: one compare, or nil when they contradict.
    static func mergeMasked(_ a: ArgComparison, _ b: ArgComparison) -> ArgComparison? {
        guard case .maskedEq(let m1) = a.op, case .maskedEq(let m2) = b.op else { return nil }
        if a.implies(b) { return a }
        if b.implies(a) { return b }
        let overlap = m1 & m2
        if a.value & overlap != b.value & overlap { return nil }
        return ArgComparison(op: .maskedEq(mask: m1 | m2), value: a.value | b.value)
    }

    /// a ∧ b on one argument: one comparison when possible, else disjoint masked blocks; [] when contradictory.
    static func merge(_ a: ArgComparison, _ b: ArgComparison) -> [ArgComparison] {
        if a.implies(b) { return [a] }
        if b.implies(a) { return [b] }
        switch (a.op, b.op) {
        case (.maskedEq, .maskedEq):
            return mergeMasked(a, b).map { [$0] } ?? []
        case (.maskedEq(let m), .ne) where m == .max:
            return a.value == b.value ? [] : [a]
        case (.ne, .maskedEq(let m)) where m == .max:
            return a.value == b.value ? [] : [b]
        default:
            if let ra = a.interval, let rb = b.interval {
                guard ra.overlaps(rb) else { return [] }
                let both = max(ra.lowerBound, rb.lowerBound)...min(ra.upperBound, rb.upperBound)
                if let one = ArgComparison.exactly(both) { return [one] }
            }
        }
        var out: [ArgComparison] = []
        for x in a.blocks() {
            for y in b.blocks() { out += merge(x, y) }
        }
        return out
    }

    /// Every vector satisfying self satisfies other.
    func implies(_ other: ConditionTerm) -> Bool {
        for i in 0..<Self.argumentCount {
            guard let c = other[i] else { continue }
            guard let mine = self[i], mine.implies(c) else { return false }
        }
        return true
    }

    /// ¬self as a disjunction of single-comparison terms.
    func negated() -> [ConditionTerm] {
        var out: [ConditionTerm] = []
        for i in 0..<Self.argumentCount {
            guard let c = self[i] else { continue }
            for n in c.negated() { out.append(ConditionTerm(single: i, n)) }
        }
        return out
    }
}

/// A disjunction of terms (DNF), kept small by dropping contradictions and terms implied by others.
struct ConditionRegion: Sendable {
    static let termLimit = 4096
    private(set) var terms: [ConditionTerm]

    static let everything = ConditionRegion(terms: [.always])
    static let nothing = ConditionRegion(terms: [])

    init(terms: [ConditionTerm]) { self.terms = terms }

    var isEmpty: Bool { terms.isEmpty }
    var isEverything: Bool { terms.contains { $0.isAlways } }

    func holds(_ args: [UInt64]) -> Bool { terms.contains { $0.holds(args) } }

    /// self ∧ ¬term.
    func subtracting(_ term: ConditionTerm, syscall: String) throws(SeccompError) -> ConditionRegion {
        // ¬term is a disjunction of single comparisons: AND each in directly, no intermediate arrays.
        var negations: [(Int, ArgComparison)] = []
        for (i, c) in term.comparisons {
            for n in c.negated() { negations.append((i, n)) }
        }
        var out: [ConditionTerm] = []
        for t in terms {
            for (i, n) in negations { t.and(argument: i, n, into: &out) }
            if out.count > Self.termLimit * 4 { throw .tooComplex(syscall: syscall, terms: out.count) }
        }
        let r = ConditionRegion(terms: out).simplified()
        if r.terms.count > Self.termLimit { throw .tooComplex(syscall: syscall, terms: r.terms.count) }
        return r
    }

    /// self ∧ term.
    func intersecting(_ term: ConditionTerm) throws(SeccompError) -> ConditionRegion {
        var out: [ConditionTerm] = []
        for t in terms { out += try t.and(term) }
        return ConditionRegion(terms: out).simplified()
    }

    func simplified() -> ConditionRegion {
        // Fewer comparisons first: a general term can absorb the specific ones after it. A stable bucket
        // order by count (1...6). A duplicate implies its earlier copy, so this also removes duplicates.
        var buckets = [[ConditionTerm]](repeating: [], count: ConditionTerm.argumentCount + 1)
        for t in terms where !t.isNever {
            let n = t.count
            if n == 0 { return .everything }
            buckets[n].append(t)
        }
        var kept: [ConditionTerm] = []
        for bucket in buckets {
            for t in bucket where !kept.contains(where: { t.implies($0) }) { kept.append(t) }
        }
        return ConditionRegion(terms: kept)
    }
}

extension ArgComparison {
    /// No value satisfies it: a masked compare whose value has bits outside its mask.
    var isUnsatisfiable: Bool {
        if case .maskedEq(let m) = op { return value & ~m != 0 }
        return false
    }
}

extension ArgComparison: CustomStringConvertible {
    var description: String {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        switch op {
        case .maskedEq(let m): return m == .max ? "== \(hex(value))" : "& \(hex(m)) == \(hex(value))"
        case .ne: return "!= \(hex(value))"
        case .lt: return "< \(hex(value))"
        case .le: return "<= \(hex(value))"
        case .gt: return "> \(hex(value))"
        case .ge: return ">= \(hex(value))"
        }
    }
}

extension ArgComparison {
    /// The profile's comparison, as the compiler uses it.
    init(_ c: ArgCondition) {
        switch c.op {
        case .eq: self = c.mask == .max ? .eq(c.value) : .masked(c.mask, c.value & c.mask)
        case .maskedEq: self = .masked(c.mask, c.value)
        case .ne: self.init(op: .ne, value: c.value)
        case .lt: self.init(op: .lt, value: c.value)
        case .le: self.init(op: .le, value: c.value)
        case .gt: self.init(op: .gt, value: c.value)
        case .ge: self.init(op: .ge, value: c.value)
        }
    }
}
