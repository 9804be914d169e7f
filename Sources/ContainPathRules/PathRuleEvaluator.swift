// The `path` rule kind of the transport wall: every path-bearing argument of a call is canonicalised the way
// the server will see it and checked against the rule's allow/deny globs and write switch.
//
// Fail closed throughout: a path that cannot be resolved, a non-string where a path belongs, arguments that
// are not an object, a name the glob matcher cannot split safely: all refused, each with a message that
// names the tool, the field, the raw and canonical path and the rule.

import ContainProfile
import ContainRuleKit

/// The outcome for one path-bearing value (for audit records, which keep raw and canonical paths).
public struct PathFinding: Sendable, Equatable {
    public var tool: String
    /// The field as found: "path", "paths[1]", "source", "roots[0]".
    public var field: String
    /// The value as the client sent it (nil when it was not a string).
    public var raw: String?
    /// The canonical path that decided the outcome (the first refused reading, else the primary one).
    public var canonical: String?
    public var access: PathAccess
    /// nil: allowed. Otherwise the denial text (without the "Blocked by contain: <rule>: " prefix).
    public var denial: String?
    public var allowed: Bool { denial == nil }
}

public struct PathRuleEvaluator: ToolCallRule {
    public let rule: PathRule
    public var id: String { rule.id }
    public let matcher: PathMatcher
    let fields: [PathFieldSpec]

    /// Tools of the known servers whose `pattern` is a glob relative to a searched directory.
    static let searchTools: Set<String> = ["search_files"]

    /// Resolves the literal prefixes of the rule's globs on the host once (a few syscalls).
    public init(rule: PathRule) {
        self.rule = rule
        self.matcher = PathMatcher(allow: rule.allow, deny: rule.deny)
        var specs = PathFieldSpec.builtIn
        for f in rule.fields {
            let spec = PathFieldSpec(f)
            if !specs.contains(spec) { specs.append(spec) }
        }
        self.fields = specs
    }

    public func applies(to tool: String) -> Bool {
        Glob.matchAny(rule.tools, tool, mode: .name)
    }

    public func evaluate(_ call: ToolCall, context: RuleContext) -> RuleVerdict {
        for f in findings(call, context: context, stopAtFirstDenial: true) {
            if let d = f.denial { return .deny(rule: rule.id, reason: d) }
        }
        return .allow
    }

    /// Every path-bearing value of the call with its outcome, for audit at level `all`.
    public func inspect(_ call: ToolCall, context: RuleContext) -> [PathFinding] {
        findings(call, context: context, stopAtFirstDenial: false)
    }

    /// Whether `tool` needs write access under this rule.
    public func access(for tool: String) -> PathAccess {
        Glob.matchAny(rule.writeTools, tool, mode: .name) ? .write : .read
    }

    /// Checks one path as `tool` would use it (also usable by other rule kinds, e.g. path arguments of
    /// allowed shell commands).
    public func check(path raw: String, tool: String, field: String, access: PathAccess, context: RuleContext) -> PathFinding {
        check(path: raw, tool: tool, field: field, subject: "\(tool).\(field) \(PathByteOps.quoted(raw))",
              access: access, context: context)
    }

    /// `subject` opens every denial text ("read_file.path \"/x\"", "roots[0] \"file:///x\"").
    func check(path raw: String, tool: String, field: String, subject: String, access: PathAccess,
               context: RuleContext) -> PathFinding {
        var finding = PathFinding(tool: tool, field: field, raw: raw, canonical: nil, access: access, denial: nil)
        let readings: [String]
        do {
            readings = try PathCanonicalizer(context: context).canonicalPaths(raw)
        } catch {
            finding.denial = "\(subject) \(error.description); \(rule.id) refuses paths it cannot resolve"
            return finding
        }
        finding.canonical = readings.first
        if let denial = judge(readings, subject: subject, access: access, tool: tool, finding: &finding) {
            finding.denial = denial
        }
        return finding
    }

    // MARK: - Internals

    private func findings(_ call: ToolCall, context: RuleContext, stopAtFirstDenial: Bool) -> [PathFinding] {
        let tool = call.name
        let access = access(for: tool)
        guard case .object = call.arguments else {
            let kind = PathFieldExtractor.kind(call.arguments)
            return [PathFinding(tool: tool, field: "arguments", raw: nil, canonical: nil, access: access,
                                denial: "\(tool) arguments are \(kind), not an object; \(rule.id) cannot find its path fields")]
        }
        var out: [PathFinding] = []
        for spec in fields {
            for v in PathFieldExtractor.values(of: spec, in: call.arguments) {
                let f: PathFinding
                switch v.value {
                case .path(let raw):
                    f = check(path: raw, tool: tool, field: v.label, access: access, context: context)
                case .notAString(let kind):
                    f = PathFinding(tool: tool, field: v.label, raw: nil, canonical: nil, access: access,
                                    denial: "\(tool).\(v.label) must be a path string, got \(kind); \(rule.id) refuses it")
                case .notAnArray(let kind):
                    f = PathFinding(tool: tool, field: v.label, raw: nil, canonical: nil, access: access,
                                    denial: "\(tool).\(v.label) must be an array of path strings, got \(kind); \(rule.id) refuses it")
                }
                out.append(f)
                if stopAtFirstDenial && !f.allowed { return out }
            }
        }
        if Self.searchTools.contains(tool), let pattern = call.arguments["pattern"] {
            for f in searchPatternFindings(pattern, tool: tool) {
                out.append(f)
                if stopAtFirstDenial && !f.allowed { return out }
            }
        }
        return out
    }

    /// The first refused reading decides; the message shows that reading.
    private func judge(_ readings: [String], subject: String, access: PathAccess, tool: String,
                       finding: inout PathFinding) -> String? {
        for canonical in readings {
            let shown = PathByteOps.escaped(canonical)
            switch matcher.match(canonical) {
            case .allowed:
                continue
            case .denied(let glob):
                finding.canonical = canonical
                return "\(subject) resolves to \(shown), which matches deny glob \(glob) of \(rule.id)"
            case .outsideAllowList:
                finding.canonical = canonical
                return "\(subject) resolves to \(shown), outside \(rule.id) allow list"
            case .unmatchable:
                finding.canonical = canonical
                return "\(subject) resolves to \(shown), where a name begins or ends with a combining mark next to \"/\", which \(rule.id) cannot match safely"
            }
        }
        if access == .write && !rule.writable {
            return "\(subject) resolves to \(PathByteOps.escaped(finding.canonical ?? "")): \(tool) writes, and \(rule.id) is read-only (writable: false)"
        }
        return nil
    }

    /// search_files(pattern) is matched below the searched directory; a pattern with a ".." component
    /// asks the server to look above it.
    private func searchPatternFindings(_ value: JSONValue, tool: String) -> [PathFinding] {
        let patterns: [(String, JSONValue)]
        if case .array(let items) = value {
            patterns = items.enumerated().map { ("pattern[\($0.offset)]", $0.element) }
        } else {
            patterns = [("pattern", value)]
        }
        return patterns.map { label, v in
            guard case .string(let p) = v else {
                return PathFinding(tool: tool, field: label, raw: nil, canonical: nil, access: .read,
                                   denial: "\(tool).\(label) must be a string, got \(PathFieldExtractor.kind(v)); \(rule.id) refuses it")
            }
            let climbs = p.utf8.split(whereSeparator: { $0 == PathByteOps.slash || $0 == 0x5C /* \ */ })
                .contains { $0.elementsEqual(PathByteOps.dotDotComponent) }
            let nul = p.utf8.contains(0)
            return PathFinding(tool: tool, field: label, raw: p, canonical: nil, access: .read,
                               denial: climbs || nul
                                   ? "\(tool).\(label) \(PathByteOps.quoted(p)) \(nul ? "contains a NUL byte" : "climbs out of the searched directory with \"..\""); \(rule.id) refuses it"
                                   : nil)
        }
    }
}
