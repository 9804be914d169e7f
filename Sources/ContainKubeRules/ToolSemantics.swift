// Each known Kubernetes MCP server's tools, reduced to accesses. The point of knowing them by name is the
// meaning of what is *absent*: `pods_list` without a namespace lists every namespace, `pods_get` without
// one uses the kubeconfig's namespace, Flux159's `kubectl_get` without one uses the literal "default"
// (and all namespaces for events). Unknown tools get the most cautious reading (docs/kubectl.md).
//
// Servers covered: containers/kubernetes-mcp-server (pods_*, resources_*, events_list, namespaces_list,
// helm_*), Flux159/mcp-server-kubernetes (camelCase kubectl_* tools, kubectl_generic{command, subCommand,
// flags, args}, exec_in_pod, port_forward, *_helm_chart), PyPI kubectl-mcp-server (snake_case kubectl_*
// tools, kubectl_generic{command: "get pods -n dev"}), and shell-exec tools running kubectl.

import ContainRuleKit

enum ToolSemantics {
    struct Setting {
        /// The kubeconfig context's namespace (rule `default_namespace`).
        var defaultNamespace: String
    }

    static func accesses(_ call: ToolCall, _ setting: Setting) throws(KubeRefusal) -> [KubeAccess] {
        let a = try ToolArguments(call)
        try a.checkCommon()
        let kubeDefault = setting.defaultNamespace
        let ns = try a.namespace()

        /// A namespaced access in `namespace ?? absent`, or cluster-scoped when the type is.
        func on(_ verb: String, type word: String, absent: KubeScope, allNamespaces: Bool = false) -> KubeAccess {
            guard let t = ResourceCatalog.lookup(word) else {
                return KubeAccess(verb: verb, scope: .cluster("unknown resource type \"\(word.prefix(60))\""), resource: word)
            }
            if !t.namespaced { return KubeAccess(verb: verb, scope: .cluster(t.plural), resource: t.plural) }
            if allNamespaces { return KubeAccess(verb: verb, scope: .allNamespaces, resource: t.plural) }
            return KubeAccess(verb: verb, scope: ns.map(KubeScope.namespace) ?? absent, resource: t.plural)
        }
        /// `apiVersion` + `kind` (kubernetes-mcp-server resources_*).
        func onKind(_ verb: String, absent: KubeScope) throws(KubeRefusal) -> KubeAccess {
            guard let kind = try a.string("kind") else { throw KubeRefusal("no kind given") }
            let apiVersion = try a.string("apiVersion") ?? ""
            guard let t = ResourceCatalog.lookup(kind: kind, apiVersion: apiVersion) else {
                return KubeAccess(verb: verb, scope: .cluster("unknown kind \(kind.prefix(60)) (\(apiVersion.prefix(60)))"), resource: kind)
            }
            if !t.namespaced { return KubeAccess(verb: verb, scope: .cluster(t.plural), resource: t.plural) }
            return KubeAccess(verb: verb, scope: ns.map(KubeScope.namespace) ?? absent, resource: t.plural)
        }
        func typeWord(required: Bool = true) throws(KubeRefusal) -> String? {
            let t = try a.string("resourceType", "resource_type")
            if t == nil && required { throw KubeRefusal("no resource type given") }
            return t
        }
        /// Manifest text in `manifest`/`yaml`/`resource`; a `filename` argument is a file read at run time.
        func manifest(_ verb: String, namespace: String) throws(KubeRefusal) -> [KubeAccess]? {
            if let f = try a.string("filename", "file", "path") {
                throw KubeRefusal("\(f.prefix(80)): a manifest file is read when the tool runs, so its namespaces can't be checked; pass the manifest text")
            }
            guard let text = try a.string("manifest", "yaml", "resource") else { return nil }
            let objs = try ManifestScanner.objects(in: text)
            return objs.map { KubectlSemantics.manifestAccess($0, verb: verb, namespace: namespace) }
        }
        let flux = a.has("resourceType")
        let literalDefault = KubeScope.namespace("default")
        let contextDefault = KubeScope.namespace(kubeDefault)

        switch call.name {
        // MARK: containers/kubernetes-mcp-server
        case "pods_list":
            return [KubeAccess(verb: "list", scope: .allNamespaces, resource: "pods")]
        case "pods_list_in_namespace":
            return [on("list", type: "pods", absent: .allNamespaces)]
        case "pods_get": return [on("get", type: "pods", absent: contextDefault)]
        case "pods_delete": return [on("delete", type: "pods", absent: contextDefault)]
        case "pods_log": return [on("logs", type: "pods", absent: contextDefault)]
        case "pods_exec": return [on("exec", type: "pods", absent: contextDefault)]
        case "pods_run": return [on("run", type: "pods", absent: contextDefault)]
        case "pods_top":
            // all_namespaces defaults to true there: only an explicit false narrows it.
            let all = !a.explicitlyFalse("all_namespaces", "allNamespaces")
            return [on("top", type: "pods", absent: contextDefault, allNamespaces: all)]
        case "resources_list": return [try onKind("list", absent: .allNamespaces)]
        case "resources_get": return [try onKind("get", absent: contextDefault)]
        case "resources_delete": return [try onKind("delete", absent: contextDefault)]
        case "resources_scale": return [try onKind(a.value("scale") == nil ? "get" : "scale", absent: contextDefault)]
        case "resources_create_or_update":
            guard let m = try manifest("apply", namespace: kubeDefault) else { throw KubeRefusal("no resource given") }
            return m
        case "events_list":
            return [on("list", type: "events", absent: .allNamespaces)]
        case "namespaces_list", "projects_list":
            return [KubeAccess(verb: "list", scope: .cluster("namespaces"), resource: "namespaces")]
        case "nodes_log": return [KubeAccess(verb: "logs", scope: .cluster("nodes"), resource: "nodes")]
        case "nodes_stats_summary": return [KubeAccess(verb: "get", scope: .cluster("nodes"), resource: "nodes")]
        case "nodes_top": return [KubeAccess(verb: "top", scope: .cluster("nodes"), resource: "nodes")]
        case "helm_install":
            return try helmWrite("create", a, ns ?? kubeDefault)
        case "helm_list":
            return [KubeAccess(verb: "list", scope: a.allNamespaces() ? .allNamespaces : .namespace(ns ?? kubeDefault), resource: "helm releases")]
        case "helm_uninstall":
            return [KubeAccess(verb: "delete", scope: .namespace(ns ?? kubeDefault), resource: "helm release")]

        // MARK: Flux159 (camelCase) and PyPI kubectl-mcp-server (snake_case) kubectl_* tools
        case "kubectl_get":
            guard let word = try typeWord() else { return [] }
            // Flux159 puts "default" when absent (all namespaces for events); kubectl-mcp-server leaves the
            // namespace to the context. A call naming neither style gets both readings.
            let isEvents = ResourceCatalog.lookup(word)?.plural == "events"
            var out: [KubeAccess] = []
            if flux || !a.has("resource_type") {
                out.append(on("get", type: word, absent: isEvents ? .allNamespaces : literalDefault, allNamespaces: a.allNamespaces()))
            }
            if !flux {
                out.append(on("get", type: word, absent: contextDefault, allNamespaces: a.allNamespaces()))
            }
            return out
        case "kubectl_describe":
            guard let word = try typeWord() else { return [] }
            return [on("describe", type: word, absent: literalDefault, allNamespaces: a.allNamespaces())]
        case "kubectl_logs":
            let word = try typeWord(required: false) ?? "pods"
            return [on("logs", type: word, absent: literalDefault)]
        case "kubectl_apply":
            guard let m = try manifest("apply", namespace: ns ?? "default") else { throw KubeRefusal("no manifest given") }
            return m
        case "kubectl_create":
            if let m = try manifest("create", namespace: ns ?? "default") { return m }
            guard let word = try typeWord() else { return [] }
            return [on("create", type: word, absent: literalDefault)]
        case "kubectl_delete", "delete_resource":
            var out = try manifest("delete", namespace: ns ?? "default") ?? []
            if let word = try typeWord(required: out.isEmpty) {
                out.append(on("delete", type: word, absent: literalDefault, allNamespaces: a.allNamespaces()))
            }
            return out
        case "kubectl_scale":
            return [on("scale", type: try typeWord(required: false) ?? "deployments", absent: literalDefault)]
        case "kubectl_patch":
            guard let word = try typeWord() else { return [] }
            return [on("patch", type: word, absent: literalDefault)]
        case "kubectl_rollout":
            guard let word = try typeWord() else { return [] }
            let sub = try a.string("subCommand", "action") ?? ""
            let verb = (sub == "status" || sub == "history") ? "get" : "rollout"
            return [on(verb, type: word, absent: literalDefault)]
        case "kubectl_top":
            let word = try a.string("resource") ?? "pods"
            return [on("top", type: word, absent: contextDefault, allNamespaces: a.allNamespaces())]
        case "kubectl_generic":
            return try generic(a, setting)
        case "kubectl_context", "list_contexts", "switch_context", "set_context", "use_context",
             "configuration_view", "configuration_contexts_list", "kubeconfig_view":
            throw KubeRefusal("the tool reads or changes the kubeconfig (contexts, clusters, credentials)")
        case "kubectl_explain", "explain_resource":
            return [KubeAccess(verb: "explain", scope: .none, resource: "explain")]
        case "get_api_resources", "list_api_resources":
            return [KubeAccess(verb: "api-resources", scope: .none, resource: "api-resources")]
        case "ping":
            return []
        case "exec_in_pod":
            return [on("exec", type: "pods", absent: literalDefault)]
        case "port_forward":
            return [on("port-forward", type: try typeWord(required: false) ?? "pods", absent: literalDefault)]
        case "stop_port_forward":
            return [KubeAccess(verb: "port-forward", scope: .none, resource: "port-forward")]
        case "install_helm_chart":
            return try helmWrite("create", a, ns ?? "default")
        case "upgrade_helm_chart":
            return try helmWrite("apply", a, ns ?? "default")
        case "uninstall_helm_chart":
            return [KubeAccess(verb: "delete", scope: .namespace(ns ?? "default"), resource: "helm release")]
        case "helm_status", "helm_history", "helm_get":
            return [KubeAccess(verb: "get", scope: .namespace(ns ?? "default"), resource: "helm release")]
        case "helm_rollback":
            return [KubeAccess(verb: "rollout", scope: .namespace(ns ?? "default"), resource: "helm release")]
        case "node_management":
            return [KubeAccess(verb: try a.string("operation") ?? "drain", scope: .cluster("nodes"), resource: "nodes")]
        case "diagnose_pod_crash", "check_pod_health":
            return [on("get", type: "pods", absent: literalDefault)]
        case "detect_pending_pods":
            return [on("list", type: "pods", absent: .allNamespaces)]
        case "cleanup_pods":
            return [on("delete", type: "pods", absent: .allNamespaces)]
        case "health_check":
            return [KubeAccess(verb: "get", scope: .cluster("componentstatuses"), resource: "componentstatuses")]
        case "detect_ecosystem":
            return [KubeAccess(verb: "list", scope: .cluster("customresourcedefinitions"), resource: "customresourcedefinitions")]
        default:
            if let argv = try commandArgv(a) {
                return try ShellArgv.accesses(argv, stdin: try a.string("stdin"), setting)
            }
            return try unknownTool(a, ns: ns)
        }
    }

    /// Helm installs: the release namespace, any namespace the values retarget to, and (because a chart
    /// may carry CRDs, ClusterRoles, webhooks) a cluster-scoped access.
    private static func helmWrite(_ verb: String, _ a: ToolArguments, _ namespace: String) throws(KubeRefusal) -> [KubeAccess] {
        var out = [KubeAccess(verb: verb, scope: .namespace(namespace), resource: "helm release")]
        if let values = a.value("values") {
            for ns in try HelmValues.namespaces(in: values) {
                out.append(KubeAccess(verb: verb, scope: .namespace(ns), resource: "helm values"))
            }
        }
        out.append(KubeAccess(verb: verb, scope: .cluster("resources a helm chart may create"), resource: "helm chart"))
        return out
    }

    /// `kubectl_generic`: kubectl-mcp-server passes `shlex.split(command)`; Flux159 builds
    /// `[command, subCommand, resourceType, name, --all-namespaces|--namespace=NS, -o=FMT, --k=v..., args...]`.
    /// Calls carrying Flux159's fields are read both ways and must pass both.
    private static func generic(_ a: ToolArguments, _ setting: Setting) throws(KubeRefusal) -> [KubeAccess] {
        guard let command = try a.string("command") else { throw KubeRefusal("no command given") }
        var pyWords = try ShlexSplit.split(command)
        if pyWords.first == "kubectl" { pyWords.removeFirst() }
        var out = try KubectlSemantics.accesses(try KubectlParser.parse(pyWords), .init(defaultNamespace: setting.defaultNamespace, stdin: nil))
        let fluxKeys = ["subCommand", "resourceType", "name", "namespace", "allNamespaces", "outputFormat", "flags", "args"]
        guard fluxKeys.contains(where: a.has) else { return out }
        var argv = [command]
        if let s = try a.string("subCommand") { argv.append(s) }
        if let s = try a.string("resourceType") { argv.append(s) }
        if let s = try a.string("name") { argv.append(s) }
        if a.allNamespaces() {
            argv.append("--all-namespaces")
        } else if let s = try a.string("namespace") {
            argv.append("--namespace=\(s)")
        }
        if let s = try a.string("outputFormat") { argv.append("-o=\(s)") }
        if let flags = a.value("flags") {
            guard case .object(let members) = flags else { throw KubeRefusal("flags must be an object") }
            for (k, v) in members {
                switch v {
                case .bool(true): argv.append("--\(k)")
                case .bool(false), .null: continue
                case .string(let s): argv.append("--\(k)=\(s)")
                case .number(let n): argv.append("--\(k)=\(n)")
                default: throw KubeRefusal("flag \(k.prefix(40)) has a value that is neither a string, number nor boolean")
                }
            }
        }
        if let args = a.value("args") {
            guard case .array(let items) = args else { throw KubeRefusal("args must be an array of strings") }
            for item in items {
                guard case .string(let s) = item else { throw KubeRefusal("args must be an array of strings") }
                argv.append(s)
            }
        }
        out += try KubectlSemantics.accesses(try KubectlParser.parse(argv), .init(defaultNamespace: setting.defaultNamespace, stdin: nil))
        return out
    }

    /// An argv array in `command` (mcp-shell-server's shell_execute and similar) or a simple shell string
    /// in a shell tool.
    private static func commandArgv(_ a: ToolArguments) throws(KubeRefusal) -> [String]? {
        guard let cmd = a.value("command", "cmd", "argv") else { return nil }
        switch cmd {
        case .array(let items):
            var argv: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw KubeRefusal("command must be an array of strings") }
                argv.append(s)
            }
            return argv
        case .string(let s):
            return try ShellArgv.simpleWords(s)
        default:
            throw KubeRefusal("command is neither an argv array nor a string")
        }
    }

    /// A tool this rule does not know: read it as cautiously as its arguments allow. The verb comes from
    /// words in its name; a missing namespace may mean every namespace.
    private static func unknownTool(_ a: ToolArguments, ns: String?) throws(KubeRefusal) -> [KubeAccess] {
        let verb = guessVerb(a.tool)
        if let text = try a.string("manifest", "yaml") {
            return try ManifestScanner.objects(in: text).map { KubectlSemantics.manifestAccess($0, verb: verb, namespace: ns ?? "default") }
        }
        let all = a.allNamespaces()
        let scope: KubeScope = all ? .allNamespaces : (ns.map(KubeScope.namespace) ?? .allNamespaces)
        var out: [KubeAccess] = []
        if let word = try a.string("resourceType", "resource_type", "kind") {
            if let t = ResourceCatalog.lookup(word), t.namespaced {
                out.append(KubeAccess(verb: verb, scope: scope, resource: t.plural))
            } else {
                let name = ResourceCatalog.lookup(word)?.plural ?? "unknown resource type \"\(word.prefix(60))\""
                out.append(KubeAccess(verb: verb, scope: .cluster(name), resource: word))
            }
        } else {
            out.append(KubeAccess(verb: verb, scope: scope, resource: a.tool))
        }
        return out
    }

    /// Verbs recognised in an unknown tool's name (`list_pods` -> list, `delete_deployment` -> delete).
    /// Names with no recognised word get a verb no profile lists by accident.
    static func guessVerb(_ tool: String) -> String {
        let words = tool.lowercased().split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." }).map(String.init)
        let writes: [String: String] = [
            "delete": "delete", "remove": "delete", "cleanup": "delete", "create": "create", "apply": "apply",
            "install": "create", "upgrade": "apply", "update": "apply", "patch": "patch", "edit": "edit",
            "scale": "scale", "exec": "exec", "run": "run", "restart": "rollout", "rollback": "rollout",
            "rollout": "rollout", "drain": "drain", "cordon": "cordon", "uncordon": "uncordon", "taint": "taint",
            "label": "label", "annotate": "annotate", "set": "set", "evict": "delete", "uninstall": "delete",
            "attach": "attach", "forward": "port-forward", "cp": "cp", "copy": "cp", "proxy": "proxy",
        ]
        for w in words { if let v = writes[w] { return v } }
        let reads: [String: String] = [
            "get": "get", "list": "list", "describe": "describe", "logs": "logs", "log": "logs", "top": "top",
            "watch": "watch", "explain": "explain", "show": "get", "status": "get", "history": "get",
        ]
        for w in words { if let v = reads[w] { return v } }
        return "unknown-tool:\(tool)"
    }
}

/// Namespaces a helm `values` tree retargets to (`namespaceOverride`, `global.namespaceOverride`,
/// `namespace`, ...): every string under a key containing "namespace".
enum HelmValues {
    static func namespaces(in values: JSONValue) throws(KubeRefusal) -> [String] {
        var out: [String] = []
        var budget = 100_000
        func walk(_ v: JSONValue, underNamespaceKey: Bool, depth: Int) throws(KubeRefusal) {
            budget -= 1
            guard budget > 0, depth < 64 else { throw KubeRefusal("helm values too large to check") }
            switch v {
            case .object(let m):
                for (k, child) in m {
                    try walk(child, underNamespaceKey: k.lowercased().contains("namespace"), depth: depth + 1)
                }
            case .array(let items):
                for item in items { try walk(item, underNamespaceKey: underNamespaceKey, depth: depth + 1) }
            case .string(let s):
                if underNamespaceKey && !s.isEmpty {
                    out.append(try NamespaceName.checked(s, from: "helm values"))
                }
            case .number(let n) where underNamespaceKey:
                // helm renders it in its own notation (0x1f -> 31, 1e3 -> 1000): no name to check it against.
                throw KubeRefusal("helm values: a namespace given as the number \(n.prefix(40)); quote it as a string")
            case .bool where underNamespaceKey:
                throw KubeRefusal("helm values: a namespace given as a boolean (yes/no/on/off/true/false); quote it as a string")
            default:
                return
            }
        }
        switch values {
        case .string(let text):
            // Some servers take values as YAML text.
            if !text.trimmingSpaces.isEmpty {
                try walk(try YAMLToJSON.convert(text), underNamespaceKey: false, depth: 0)
            }
        default:
            try walk(values, underNamespaceKey: false, depth: 0)
        }
        return out
    }
}
