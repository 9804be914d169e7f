import ContainProfile
import ContainRuleKit
@testable import ContainKubeRules

/// The rule most tests use: the shipped profile's shape (dev and staging, read-only verbs, the kubeconfig
/// context's namespace is dev).
func devStagingRule(verbs: [String]? = KubernetesRule(id: "x", tools: []).verbs, cluster: Bool = false,
                    namespaces: [String] = ["dev", "staging"], defaultNamespace: String = "dev") -> KubernetesRuleEvaluator {
    var r = KubernetesRule(id: "k8s.namespaces", tools: ["*"])
    r.namespaces = namespaces
    r.allowClusterScoped = cluster
    r.verbs = verbs
    r.defaultNamespace = defaultNamespace
    return KubernetesRuleEvaluator(rule: r)
}

let context = RuleContext(workingDirectory: "/tmp", home: "/tmp")

func evaluate(_ tool: String, _ argsJSON: String, _ e: KubernetesRuleEvaluator = devStagingRule()) -> RuleVerdict {
    e.evaluate(ToolCall(name: tool, arguments: TinyJSON.parse(argsJSON), requestID: "1"), context: context)
}

func isAllowed(_ v: RuleVerdict) -> Bool { v == .allow }

func reason(_ v: RuleVerdict) -> String {
    if case .deny(_, let r) = v { return r }
    return ""
}

/// A minimal JSON reader for test inputs (keeps key order and duplicates, like the proxy's parser).
enum TinyJSON {
    static func parse(_ s: String) -> JSONValue {
        var p = Array(s.unicodeScalars)[...]
        let v = value(&p)
        skip(&p)
        precondition(p.isEmpty, "trailing JSON text: \(String(String.UnicodeScalarView(p)))")
        return v
    }
    static func skip(_ p: inout ArraySlice<Unicode.Scalar>) {
        while let c = p.first, c == " " || c == "\n" || c == "\t" || c == "\r" { p.removeFirst() }
    }
    static func value(_ p: inout ArraySlice<Unicode.Scalar>) -> JSONValue {
        skip(&p)
        guard let c = p.first else { fatalError("unexpected end of JSON") }
        switch c {
        case "{":
            p.removeFirst()
            var members: [(String, JSONValue)] = []
            skip(&p)
            if p.first == "}" { p.removeFirst(); return .object(members) }
            while true {
                skip(&p)
                guard case .string(let k) = value(&p) else { fatalError("key") }
                skip(&p); precondition(p.removeFirst() == ":")
                members.append((k, value(&p)))
                skip(&p)
                if p.removeFirst() == "}" { return .object(members) }
            }
        case "[":
            p.removeFirst()
            var items: [JSONValue] = []
            skip(&p)
            if p.first == "]" { p.removeFirst(); return .array(items) }
            while true {
                items.append(value(&p))
                skip(&p)
                if p.removeFirst() == "]" { return .array(items) }
            }
        case "\"":
            p.removeFirst()
            var out = String.UnicodeScalarView()
            while let c = p.popFirst() {
                if c == "\"" { return .string(String(out)) }
                if c == "\\" {
                    let e = p.removeFirst()
                    switch e {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "u":
                        let hex = String(String.UnicodeScalarView(p.prefix(4)))
                        p.removeFirst(4)
                        out.append(Unicode.Scalar(UInt32(hex, radix: 16)!)!)
                    default: out.append(e)
                    }
                } else {
                    out.append(c)
                }
            }
            fatalError("unterminated string")
        case "t": p.removeFirst(4); return .bool(true)
        case "f": p.removeFirst(5); return .bool(false)
        case "n": p.removeFirst(4); return .null
        default:
            var num = String.UnicodeScalarView()
            while let c = p.first, "-+.eE0123456789".unicodeScalars.contains(c) { num.append(c); p.removeFirst() }
            return .number(String(num))
        }
    }
}
