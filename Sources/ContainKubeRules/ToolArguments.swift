// Typed, fail-closed reads of a tool call's arguments, plus the checks every Kubernetes tool call gets
// whatever its server: no argument may retarget the client (context, kubeconfig, server, credentials),
// and no name-like value may look like a kubectl flag (servers that build argv from arguments would pass
// `name: "--server=..."` straight to kubectl).

import ContainRuleKit

struct ToolArguments {
    let tool: String
    let members: [(String, JSONValue)]

    init(_ call: ToolCall) throws(KubeRefusal) {
        tool = call.name
        switch call.arguments {
        case .object(let m): members = m
        case .null: members = []
        default: throw KubeRefusal("arguments are not an object")
        }
    }

    func value(_ keys: String...) -> JSONValue? { value(keys) }

    func value(_ keys: [String]) -> JSONValue? {
        for k in keys {
            if let v = members.first(where: { $0.0 == k })?.1, v != .null { return v }
        }
        return nil
    }

    func has(_ key: String) -> Bool { members.contains { $0.0 == key } }

    /// A string argument under any of `keys` (spellings of one field across servers: `resourceType`,
    /// `resource_type`); empty counts as absent (every known server treats "" like a missing value). Two
    /// spellings with different values are refused: each server would read its own.
    func string(_ keys: String...) throws(KubeRefusal) -> String? {
        var found: String?
        for k in keys {
            guard let v = members.first(where: { $0.0 == k })?.1, v != .null else { continue }
            guard case .string(let s) = v else { throw KubeRefusal("argument \(k) must be a string") }
            let value = s.isEmpty ? nil : s
            if let f = found, f != value ?? "" {
                throw KubeRefusal("arguments \(keys.joined(separator: "/")) disagree; each server reads its own spelling")
            }
            if found == nil { found = value ?? "" }
        }
        return found.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The `namespace` argument, validated.
    func namespace() throws(KubeRefusal) -> String? {
        guard let s = try string("namespace") else { return nil }
        return try NamespaceName.checked(s, from: "argument namespace")
    }

    /// `allNamespaces`/`all_namespaces`: anything but absent, null or false counts as true (servers coerce
    /// "true", 1, ... to true; a value this rule can't read must not shrink the scope).
    /// Any spelling counts: a call carrying `allNamespaces: true` and `all_namespaces: false` is all
    /// namespaces for the server that reads the first.
    func allNamespaces(default dflt: Bool = false) -> Bool {
        var result: Bool?
        for (k, v) in members where k == "allNamespaces" || k == "all_namespaces" || k == "all-namespaces" {
            switch v {
            case .null: continue
            case .bool(let b): result = (result ?? false) || b
            default: result = true
            }
        }
        return result ?? dflt
    }

    /// Is this argument explicitly false (needed where a server's default is "all namespaces")?
    func explicitlyFalse(_ keys: String...) -> Bool {
        let present = members.filter { keys.contains($0.0) }
        return !present.isEmpty && present.allSatisfy { $0.1 == .bool(false) }
    }

    // MARK: Checks every call gets

    /// Argument names that point a Kubernetes client elsewhere (normalised: lower case, no `_`/`-`).
    static let retargetingKeys: Set<String> = [
        "context", "kubecontext", "kubeconfig", "kubeconfigpath", "cluster", "clustername", "server", "apiserver",
        "token", "bearertoken", "as", "asgroup", "asuid", "impersonate", "impersonateuser", "impersonategroup",
        "user", "username", "password", "certificateauthority", "cafile", "clientcertificate", "clientkey",
        "insecureskiptlsverify", "tlsservername",
    ]

    /// Arguments whose text is a manifest, a command, or in-pod input: checked by their own parsers.
    static let freeTextKeys: Set<String> = [
        "command", "args", "flags", "manifest", "yaml", "resource", "values", "patch", "patchData", "patch_data",
        "stdin", "content", "data", "script", "input", "fromLiteral", "from_literal", "env", "labels",
        "labelSelector", "label_selector", "fieldSelector", "field_selector", "description",
    ]

    static let envKeys: Set<String> = ["env", "envs", "environment", "env_vars", "envVars"]
    /// Paths the server reads and sends to kubectl or into the cluster (Flux159 `fromFile`, `filename`).
    static let localFileKeys: Set<String> = ["fromFile", "from_file", "fromEnvFile", "from_env_file", "patchFile",
                                             "patch_file", "filename"]
    static let outputKeys: Set<String> = ["output", "outputFormat", "output_format", "format"]
    static let fileTemplateFormats = ["go-template-file", "templatefile", "jsonpath-file", "custom-columns-file"]

    static func retargetingEnv(_ name: String) -> Bool {
        let u = name.uppercased()
        return u.hasPrefix("KUBE") || u == "HOME" || u.hasSuffix("_PROXY") || u == "XDG_CONFIG_HOME"
            || u == "SSL_CERT_FILE" || u == "SSL_CERT_DIR"
    }

    func checkCommon() throws(KubeRefusal) {
        for (key, v) in members {
            let norm = String(key.lowercased().filter { $0 != "_" && $0 != "-" })
            if Self.retargetingKeys.contains(norm) {
                switch v {
                case .null, .bool(false): continue
                case .string(let s) where s.trimmingSpaces.isEmpty: continue
                default: throw KubeRefusal("argument \(key) switches the cluster, context or credentials")
                }
            }
            if Self.envKeys.contains(key), case .object(let vars) = v {
                // Per-call environment for the process that runs kubectl: KUBECONFIG, KUBE_*, proxies
                // and HOME all retarget it.
                for (name, _) in vars where Self.retargetingEnv(name) {
                    throw KubeRefusal("argument \(key) sets \(name.prefix(40)), which points kubectl elsewhere")
                }
            }
            if Self.localFileKeys.contains(key) {
                switch v {
                case .null, .string(""), .array([]): break
                default: throw KubeRefusal("argument \(key) makes the server read local files (the kubeconfig is one); pass the content inline")
                }
            }
            if Self.outputKeys.contains(key), case .string(let format) = v,
               Self.fileTemplateFormats.contains(where: { format.lowercased().hasPrefix($0) }) {
                throw KubeRefusal("argument \(key) \"\(format.prefix(40))\": output templates from files print local files")
            }
            if Self.freeTextKeys.contains(key) { continue }
            switch v {
            case .string(let s):
                try checkWordLike(s, key: key)
            case .array(let items):
                for case .string(let s) in items { try checkWordLike(s, key: key) }
            default:
                continue
            }
        }
    }

    private func checkWordLike(_ s: String, key: String) throws(KubeRefusal) {
        if s.hasPrefix("-") {
            throw KubeRefusal("argument \(key) value \"\(s.prefix(60))\" looks like a command-line option")
        }
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw KubeRefusal("argument \(key) holds control characters")
        }
    }
}

extension String {
    var trimmingSpaces: Substring {
        self.drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
    }
}
