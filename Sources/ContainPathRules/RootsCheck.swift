// Client-offered roots (the `roots` of a roots/list answer): the reference filesystem server replaces its
// allowed directories with them, so a root outside the allowlist would widen what the server itself permits.
// Each root must be a local file: URI whose directory is allowed (and not denied) by the rule.

import ContainProfile
import ContainRuleKit

extension PathRuleEvaluator {
    /// Checks roots in the host view. Accepts the `roots` array or the whole result object `{roots: [...]}`.
    public func checkRoots(_ roots: JSONValue) -> RuleVerdict {
        checkRoots(roots, context: RuleContext(workingDirectory: "/", home: "/"))
    }

    /// Checks roots in the given view (pass the sandbox root so symlinks resolve as the server sees them).
    public func checkRoots(_ roots: JSONValue, context: RuleContext) -> RuleVerdict {
        for f in rootFindings(roots, context: context) {
            if let d = f.denial { return .deny(rule: rule.id, reason: d) }
        }
        return .allow
    }

    /// Every root with its outcome (stops at the first refusal).
    public func rootFindings(_ roots: JSONValue, context: RuleContext) -> [PathFinding] {
        let list: [JSONValue]
        switch roots {
        case .array(let items):
            list = items
        case .object:
            guard let inner = roots["roots"], case .array(let items) = inner else {
                return [refusal("roots", "is \(PathFieldExtractor.kind(roots["roots"] ?? .null)), not an array of roots")]
            }
            list = items
        default:
            return [refusal("roots", "is \(PathFieldExtractor.kind(roots)), not an array of roots")]
        }
        var out: [PathFinding] = []
        for (i, root) in list.enumerated() {
            let label = "roots[\(i)]"
            guard case .object = root, let uriValue = root["uri"] else {
                out.append(refusal(label, "has no uri"))
                return out
            }
            guard case .string(let uri) = uriValue else {
                out.append(refusal(label, "uri is \(PathFieldExtractor.kind(uriValue)), not a string"))
                return out
            }
            let f = checkRoot(uri: uri, label: label, context: context)
            out.append(f)
            if !f.allowed { return out }
        }
        return out
    }

    private func checkRoot(uri: String, label: String, context: RuleContext) -> PathFinding {
        let subject = "\(label) \(PathByteOps.quoted(uri))"
        let path: String
        do {
            let bytes = try FileURI.decodePath(uri)
            guard let s = PathByteOps.string(bytes) else {
                throw PathCanonicalizationError.notUTF8(PathByteOps.quoted(bytes: bytes))
            }
            path = s
        } catch let e as PathCanonicalizationError {
            return PathFinding(tool: "roots/list", field: label, raw: uri, canonical: nil, access: .read,
                               denial: "\(subject) \(e.description); \(rule.id) refuses roots it cannot resolve")
        } catch {
            return refusal(label, "could not be decoded")
        }
        var f = check(path: path, tool: "roots/list", field: label, subject: subject, access: .read, context: context)
        f.raw = uri
        return f
    }

    private func refusal(_ label: String, _ what: String) -> PathFinding {
        PathFinding(tool: "roots/list", field: label, raw: nil, canonical: nil, access: .read,
                    denial: "\(label) \(what); \(rule.id) refuses it")
    }
}
