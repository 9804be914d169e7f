// Generic argument conditions ("require" / "deny if"), the shape MCP policy users know.
//
// Fail-closed rules (docs/mcp-policy.md):
//  - `require`: the argument must be present and every value must satisfy the test; a missing argument,
//    an empty array, or a value of the wrong type (a string where a number bound is asked) denies.
//  - `deny_if`: any value satisfying the test denies; a value of the wrong type also denies, since the
//    server may coerce "999" to 999 behind the check. A missing argument does not match (nothing there
//    to be dangerous); guard an argument whose default is dangerous with `require: exists`.
//  - Arrays anywhere on the path are checked per element.
//  - `glob` uses path semantics (docs/profiles.md) on the literal value; values with a `..` component are
//    uncheckable (refused) since only the paths rules canonicalise.

import ContainProfile
import ContainRuleKit

/// A test's pattern compiled once per policy load (a class: a call takes it by reference, where copying
/// a `Result` of a regex per test showed up as generic value-witness calls in the per-message profile).
final class CompiledPattern: Sendable {
    let result: Result<SafeRegex, SafeRegexError>
    init(_ result: Result<SafeRegex, SafeRegexError>) { self.result = result }
}

/// One `require` / `deny_if` test with what a call needs, prepared once per policy load (a class: a call
/// walks the tests without copying a test, its split path or its pattern).
final class CompiledTest: Sendable {
    let test: ArgumentTest
    /// The argument path, split once.
    let path: [String]
    /// The compiled regex for a `regex` test (nil for other ops), so a call looks none up by pattern.
    let regex: CompiledPattern?
    /// A one-key path and a test of the value (not `exists`): a present, non-array value is tested
    /// directly; anything else (missing, arrays to expand) takes the general path.
    let simple: Bool

    init(_ test: ArgumentTest, regexes: [String: Result<SafeRegex, SafeRegexError>]) {
        self.test = test
        path = ArgumentPath.components(test.argument)
        if case .exists = test.op { simple = false } else { simple = path.count == 1 }
        if case .regex(let p) = test.op, let c = regexes[p] { regex = CompiledPattern(c) } else { regex = nil }
    }
}

/// A condition rule with its regexes compiled once per policy load (a class: evaluated per call without
/// copying its lists).
final class CompiledCondition: Sendable {
    let rule: ConditionRule
    /// Pattern -> compiled regex, or the error when the pattern is invalid (the test then denies).
    let regexes: [String: Result<SafeRegex, SafeRegexError>]
    let requireTests: [CompiledTest]
    let denyIfTests: [CompiledTest]

    init(_ rule: ConditionRule) {
        self.rule = rule
        var r: [String: Result<SafeRegex, SafeRegexError>] = [:]
        for t in rule.require + rule.denyIf {
            if case .regex(let p) = t.op, r[p] == nil {
                do throws(SafeRegexError) { r[p] = .success(try SafeRegex(p)) } catch { r[p] = .failure(error) }
            }
        }
        regexes = r
        requireTests = rule.require.map { CompiledTest($0, regexes: r) }
        denyIfTests = rule.denyIf.map { CompiledTest($0, regexes: r) }
    }

    func applies(to tool: String) -> Bool { Glob.matchAny(rule.tools, tool) }

    struct Denial { var reason: String; var args: [(String, String)] }

    /// `fastPath`: false makes every test take the general path (tests compare the two).
    func evaluate(_ arguments: JSONValue, fastPath: Bool = true) -> Denial? {
        for c in requireTests {
            let t = c.test
            // Most tests name one argument holding one value: tested without resolving a path.
            if fastPath, c.simple, let v = ArgumentPath.single(c.path[0], in: arguments) {
                let o = test(t.op, v, regex: c.regex)
                if case .holds = o { continue }
                return requireDenial(t, v, o)
            }
            let found = ArgumentPath.resolve(c.path, in: arguments)
            if case .exists(let want) = t.op {
                if want ? !found.present : found.anyPresent {
                    return Denial(reason: "argument \(name(t)) must be \(want ? "present" : "absent")",
                                  args: [(t.argument, found.anyPresent ? "present" : "absent")])
                }
                continue
            }
            if !found.present || found.isEmpty {
                return Denial(reason: "required argument \(name(t)) is missing", args: [(t.argument, "missing")])
            }
            let regex = c.regex
            let failing = found.firstResult { v -> Outcome? in
                let o = test(t.op, v, regex: regex)
                if case .holds = o { return nil }
                return o
            }
            if let (v, outcome) = failing { return requireDenial(t, v, outcome) }
        }
        for c in denyIfTests {
            let t = c.test
            if fastPath, c.simple, let v = ArgumentPath.single(c.path[0], in: arguments) {
                let o = test(t.op, v, regex: c.regex)
                if case .fails = o { continue }
                return denyIfDenial(t, v, o)
            }
            let found = ArgumentPath.resolve(c.path, in: arguments)
            if case .exists(let want) = t.op {
                if want ? found.anyPresent : !found.present {
                    return Denial(reason: "argument \(name(t)) is \(want ? "present" : "absent")",
                                  args: [(t.argument, found.anyPresent ? "present" : "absent")])
                }
                continue
            }
            let regex = c.regex
            let matching = found.firstResult { v -> Outcome? in
                let o = test(t.op, v, regex: regex)
                if case .fails = o { return nil }
                return o
            }
            if let (v, outcome) = matching { return denyIfDenial(t, v, outcome) }
        }
        return nil
    }

    /// A `require` test's denial for value `v` (which did not hold).
    private func requireDenial(_ t: ArgumentTest, _ v: JSONValue, _ outcome: Outcome) -> Denial {
        if case .uncheckable(let why) = outcome {
            return Denial(reason: "argument \(name(t)) = \(render(v)) cannot be checked against \(describe(t.op)): \(why)", args: [(t.argument, render(v))])
        }
        return Denial(reason: "argument \(name(t)) = \(render(v)) does not satisfy \(describe(t.op))", args: [(t.argument, render(v))])
    }

    /// A `deny_if` test's denial for value `v` (which matched or could not be checked).
    private func denyIfDenial(_ t: ArgumentTest, _ v: JSONValue, _ outcome: Outcome) -> Denial {
        if case .uncheckable(let why) = outcome {
            return Denial(reason: "argument \(name(t)) = \(render(v)) cannot be checked against \(describe(t.op)): \(why)", args: [(t.argument, render(v))])
        }
        return Denial(reason: "argument \(name(t)) = \(render(v)) matches \(describe(t.op))", args: [(t.argument, render(v))])
    }

    enum Outcome { case holds, fails, uncheckable(String) }

    /// `regex`: the test's compiled pattern when `op` is a regex (looked up by pattern when not given).
    func test(_ op: ConditionOp, _ v: JSONValue, regex: CompiledPattern? = nil) -> Outcome {
        switch op {
        case .eq(let s): return ArgumentPath.equals(v, s) ? .holds : .fails
        case .in(let list): return list.contains { ArgumentPath.equals(v, $0) } ? .holds : .fails
        case .glob(let p):
            guard case .string(let s) = v else { return .uncheckable("not a string") }
            // Path semantics (`*` within a component, `**` across), but no canonicalisation: "/work/../etc"
            // would match "/work/**", so a `..` component is refused rather than guessed at.
            if s.split(separator: "/").contains("..") { return .uncheckable("it has a '..' component (use a paths rule, which canonicalises)") }
            return Glob.match(p, s, mode: .path) ? .holds : .fails
        case .regex(let p):
            guard case .string(let s) = v else { return .uncheckable("not a string") }
            guard let compiled = regex ?? regexes[p].map(CompiledPattern.init) else { return .uncheckable("regex not compiled") }
            switch compiled.result {
            case .success(let re): return re.matches(s) ? .holds : .fails
            case .failure(let e): return .uncheckable(e.description)
            }
        case .exists: return .holds
        case .lt(let b): return numeric(v) { $0 < b }
        case .lte(let b): return numeric(v) { $0 <= b }
        case .gt(let b): return numeric(v) { $0 > b }
        case .gte(let b): return numeric(v) { $0 >= b }
        }
    }

    private func numeric(_ v: JSONValue, _ cmp: (Double) -> Bool) -> Outcome {
        guard case .number(let text) = v, let d = CompiledCondition.smallInteger(text) ?? Double(text) else {
            return .uncheckable("not a number")
        }
        return cmp(d) ? .holds : .fails
    }

    /// The value of a plain integer of up to 15 digits (exact in a Double, and what most numeric
    /// arguments are) without going through strtod; nil for anything else, which `Double(_:)` then reads.
    static func smallInteger(_ text: String) -> Double? {
        // A number's text is a native String (contiguous); the bytes are read in place, not through a
        // Substring view.
        text.utf8.withContiguousStorageIfAvailable(smallInteger) ?? smallInteger(Array(text.utf8))
    }

    private static func smallInteger(_ utf8: UnsafeBufferPointer<UInt8>) -> Double? {
        let negative = utf8.first == UInt8(ascii: "-")
        let digits = negative ? UnsafeBufferPointer(rebasing: utf8.dropFirst()) : utf8
        guard !digits.isEmpty, digits.count <= 15 else { return nil }
        var n: Int64 = 0
        for b in digits {
            let d = b &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            n = n &* 10 &+ Int64(d)
        }
        // "-0" stays -0.0, as Double("-0") reads it.
        return negative ? -Double(n) : Double(n)
    }

    private static func smallInteger(_ utf8: [UInt8]) -> Double? { utf8.withUnsafeBufferPointer(smallInteger) }

    private func name(_ t: ArgumentTest) -> String { "`\(t.argument)`" }

    func describe(_ op: ConditionOp) -> String {
        func num(_ d: Double) -> String { JSONScalar.number(d).description }
        switch op {
        case .eq(let s): return "eq \(s)"
        case .in(let l): return "in [\(l.map(\.description).joined(separator: ", "))]"
        case .glob(let p): return "glob \(JSONSerializer.quoted(p))"
        case .regex(let p): return "regex \(JSONSerializer.quoted(p))"
        case .exists(let b): return "exists \(b)"
        case .lt(let d): return "lt \(num(d))"
        case .lte(let d): return "lte \(num(d))"
        case .gt(let d): return "gt \(num(d))"
        case .gte(let d): return "gte \(num(d))"
        }
    }
}

/// Canonical text of an argument value for denials and audit records (compact JSON, truncated).
func render(_ v: JSONValue, limit: Int = 200) -> String {
    let s = JSONSerializer.string(v)
    if s.utf8.count <= limit { return s }
    return String(decoding: s.utf8.prefix(limit), as: UTF8.self) + "..."
}

enum ArgumentPath {
    /// `present`: every branch has the argument; `anyPresent`: at least one has it. The values found, in
    /// order: the first is kept inline (most arguments resolve to one value, and an array per call showed
    /// up as an allocation and a release in the proxy's per-message profile), the others in `more`.
    struct Found {
        var present: Bool
        var anyPresent: Bool
        var first: JSONValue?
        var more: [JSONValue] = []

        var isEmpty: Bool { first == nil }

        mutating func append(_ v: JSONValue) {
            if first == nil { first = v } else { more.append(v) }
        }

        /// The first value `body` answers non-nil for, and that answer.
        func firstResult<R>(_ body: (JSONValue) -> R?) -> (JSONValue, R)? {
            guard let f = first else { return nil }
            if let r = body(f) { return (f, r) }
            for v in more { if let r = body(v) { return (v, r) } }
            return nil
        }

        /// Every value, in order (tests).
        var values: [JSONValue] { first.map { [$0] + more } ?? [] }
    }

    /// The value of top-level argument `key` when it is there and is not an array (arrays are expanded per
    /// element by `resolve`). Keys are unique: the parser refuses duplicates.
    static func single(_ key: String, in root: JSONValue) -> JSONValue? {
        guard case .object(let members) = root else { return nil }
        for m in members where m.0 == key {
            if case .array = m.1 { return nil }
            return m.1
        }
        return nil
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// Resolves a split path ("a.b.c"). Arrays met on the way, and at the end, are expanded per element.
    /// `present` is false when any branch lacks the key, so one element without the argument cannot hide
    /// behind others. Runs per call: the common case (objects only, one value) allocates nothing.
    static func resolve(_ path: [String], in root: JSONValue) -> Found {
        var found = Found(present: true, anyPresent: false, first: nil)
        walk(root, path[...], &found)
        if found.isEmpty && !found.anyPresent { found.present = false }
        return found
    }

    private static func walk(_ v: JSONValue, _ rest: ArraySlice<String>, _ found: inout Found) {
        if case .array(let items) = v {
            for item in items { walk(item, rest, &found) }
            return
        }
        guard let key = rest.first else {
            found.anyPresent = true
            found.append(v)
            return
        }
        guard let child = v[key] else { found.present = false; return }
        if rest.count == 1 {
            found.anyPresent = true
            appendExpanded(child, &found)
        } else {
            walk(child, rest.dropFirst(), &found)
        }
    }

    private static func appendExpanded(_ v: JSONValue, _ found: inout Found) {
        if case .array(let items) = v { for i in items { appendExpanded(i, &found) } } else { found.append(v) }
    }

    static func equals(_ v: JSONValue, _ s: JSONScalar) -> Bool {
        switch (v, s) {
        case let (.string(a), .string(b)): return a == b
        case let (.number(a), .number(b)): return Double(a) == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }
}
