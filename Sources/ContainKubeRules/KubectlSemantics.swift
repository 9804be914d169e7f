// What a parsed kubectl command line touches: verb by verb, which words are resources, which namespace
// applies, and which commands are never safe behind a namespace allowlist (config, plugins, kustomize).

enum KubectlSemantics {
    struct Inputs {
        /// The namespace kubectl uses when none is given (the kubeconfig context's namespace).
        var defaultNamespace: String
        /// What kubectl's stdin will hold, when the tool call supplies it (`-f -`); nil: unknown.
        var stdin: String?
    }

    static func accesses(_ cl: KubectlCommandLine, _ input: Inputs) throws(KubeRefusal) -> [KubeAccess] {
        guard let verb = cl.verb else {
            if (cl.help || cl.flags.isEmpty) && cl.afterDashDash.isEmpty { return [] }
            throw KubeRefusal("no kubectl command given")
        }
        // After `--`, exec/attach/debug/run get the in-container command; every other command takes those
        // words as more positional arguments (`kubectl get -- nodes` lists nodes).
        let commandAfterDash: Set<String> = ["exec", "attach", "debug", "run"]
        let w: [String]
        if commandAfterDash.contains(verb) {
            w = Array(cl.words.dropFirst())
            if w.isEmpty && !cl.afterDashDash.isEmpty {
                throw KubeRefusal("kubectl \(verb): no target before --")
            }
        } else {
            w = Array(cl.words.dropFirst()) + cl.afterDashDash
        }
        let ns = cl.namespace ?? input.defaultNamespace

        /// Scope of a resource type in this command.
        func scope(_ type: ResourceType?, _ word: String) -> KubeScope {
            guard let type else { return .cluster("unknown resource type \"\(word.prefix(60))\"") }
            if !type.namespaced { return .cluster(type.plural) }
            return cl.allNamespaces ? .allNamespaces : .namespace(ns)
        }
        func access(_ v: String, typeWord: String) -> KubeAccess {
            let t = ResourceCatalog.lookup(typeWord)
            return KubeAccess(verb: v, scope: scope(t, typeWord), resource: t?.plural ?? typeWord)
        }
        /// `TYPE[,TYPE] [NAME...]` or `TYPE/NAME...`.
        func resources(_ v: String, _ words: [String]) throws(KubeRefusal) -> [KubeAccess] {
            var out: [KubeAccess] = []
            if !cl.filenames.isEmpty {
                out += try manifests(v)
            }
            guard let first = words.first else { return out }
            if words.contains(where: { $0.contains("/") }) {
                // `label pod/x a=b c-` and `set image deploy/x c=img`: key=value pairs and label
                // removals are not resources (resource names never hold `=` or end in `-`).
                for word in words where !(word.contains("=") || word.hasSuffix("-")) {
                    for piece in word.split(separator: ",", omittingEmptySubsequences: false) {
                        guard let slash = piece.firstIndex(of: "/"), slash != piece.startIndex else {
                            throw KubeRefusal("\"\(word.prefix(60))\": mixes TYPE/NAME and TYPE NAME forms")
                        }
                        out.append(access(v, typeWord: String(piece[..<slash])))
                    }
                }
            } else {
                for piece in first.split(separator: ",", omittingEmptySubsequences: false) {
                    out.append(access(v, typeWord: String(piece)))
                }
            }
            return out
        }
        /// The single target of logs/exec/attach/port-forward/debug: `POD` or `TYPE/NAME`.
        func target(_ v: String, defaultType: String) -> [KubeAccess] {
            guard let word = w.first else {
                // `logs -l app=x` picks pods by selector in the namespace.
                return [access(v, typeWord: defaultType)]
            }
            if let slash = word.firstIndex(of: "/") {
                return [access(v, typeWord: String(word[..<slash]))]
            }
            return [access(v, typeWord: defaultType)]
        }
        func manifests(_ v: String) throws(KubeRefusal) -> [KubeAccess] {
            var out: [KubeAccess] = []
            for f in cl.filenames {
                guard f == "-" else {
                    throw KubeRefusal("-f \(f.prefix(80)): kubectl reads that file or URL when it runs, so its namespaces can't be checked; pass the manifest inline")
                }
                guard let text = input.stdin else {
                    throw KubeRefusal("-f - reads a manifest from stdin that the call does not show")
                }
                for obj in try ManifestScanner.objects(in: text) {
                    out.append(manifestAccess(obj, verb: v, namespace: ns))
                }
            }
            return out
        }
        func none(_ v: String) -> [KubeAccess] { [KubeAccess(verb: v, scope: .none, resource: v)] }
        func raw(_ v: String) throws(KubeRefusal) -> [KubeAccess]? {
            guard let path = cl.raw else { return nil }
            return [try APIPath.access(path, verb: v)]
        }
        if cl.kustomize {
            throw KubeRefusal("-k reads a kustomization (local files or remote repositories) whose namespaces can't be checked")
        }

        switch verb {
        case "get":
            let v = cl.watch ? "watch" : "get"
            if let r = try raw(v) { return r }
            return try resources(v, w)
        case "describe":
            return try resources("describe", w)
        case "events":
            return [access("list", typeWord: "events")]
        case "logs", "attach", "exec", "port-forward":
            return target(verb, defaultType: "pods")
        case "debug":
            return target("debug", defaultType: "pods")
        case "top":
            guard let sub = w.first else { throw KubeRefusal("kubectl top needs pod or node") }
            switch sub.lowercased() {
            case "pod", "pods", "po": return [access("top", typeWord: "pods")]
            case "node", "nodes", "no": return [access("top", typeWord: "nodes")]
            default: throw KubeRefusal("kubectl top \(sub.prefix(40)): unknown resource")
            }
        case "explain", "api-resources", "version":
            return none(verb)
        case "api-versions":
            return none("api-resources")
        case "help", "completion", "options":
            return []
        case "cluster-info":
            if w.first == "dump" {
                return [KubeAccess(verb: "cluster-info", scope: .allNamespaces, resource: "cluster-info dump"),
                        KubeAccess(verb: "cluster-info", scope: .cluster("cluster-info dump"), resource: "cluster-info dump")]
            }
            return [KubeAccess(verb: "cluster-info", scope: .cluster("cluster endpoints"), resource: "cluster-info")]
        case "config":
            throw KubeRefusal(configRefusal(w.first))
        case "proxy":
            return [KubeAccess(verb: "proxy", scope: .allNamespaces, resource: "API proxy"),
                    KubeAccess(verb: "proxy", scope: .cluster("API proxy"), resource: "API proxy")]
        case "cp":
            return try copySpecs(w, namespace: ns)
        case "run":
            return [access("run", typeWord: "pods")]
        case "create":
            if let r = try raw("create") { return r }
            if !cl.filenames.isEmpty { return try manifests("create") }
            guard let sub = w.first else { return [] }
            return [try createSubcommand(sub, scope: scope)]
        case "apply":
            if let sub = w.first {
                switch sub {
                case "view-last-applied": return try resources("get", Array(w.dropFirst()))
                case "edit-last-applied", "set-last-applied": return try resources("apply", Array(w.dropFirst()))
                default: break
                }
            }
            var out = try manifests("apply")
            if cl.prune {
                // --prune deletes objects the manifest no longer lists, cluster-scoped ones included.
                out.append(KubeAccess(verb: "delete", scope: .cluster("apply --prune"), resource: "apply --prune"))
            }
            return out
        case "replace", "diff":
            if let r = try raw(verb) { return r }
            return try manifests(verb)
        case "delete":
            if let r = try raw("delete") { return r }
            return try resources("delete", w)
        case "edit", "patch", "label", "annotate", "scale", "autoscale", "expose":
            return try resources(verb, w)
        case "wait":
            return try resources("watch", w)
        case "set":
            return try resources("set", Array(w.dropFirst()))
        case "rollout":
            guard let sub = w.first else { return [] }
            let v = (sub == "status" || sub == "history") ? "get" : "rollout"
            return try resources(v, Array(w.dropFirst()))
        case "drain", "cordon", "uncordon", "taint":
            return [KubeAccess(verb: verb, scope: .cluster("nodes"), resource: "nodes")]
        case "certificate":
            return [KubeAccess(verb: "certificate", scope: .cluster("certificatesigningrequests"), resource: "certificatesigningrequests")]
        case "auth":
            switch w.first {
            case "can-i":
                return [KubeAccess(verb: "auth", scope: cl.allNamespaces ? .allNamespaces : .namespace(ns), resource: "can-i")]
            case "whoami":
                return [KubeAccess(verb: "auth", scope: .none, resource: "whoami")]
            case "reconcile":
                return try manifests("apply")
            default:
                throw KubeRefusal("kubectl auth \(w.first ?? ""): unknown subcommand")
            }
        case "kustomize":
            throw KubeRefusal("kubectl kustomize reads local files or remote repositories")
        default:
            // kubectl runs `kubectl-<verb>` from PATH for anything it does not know (plugins).
            throw KubeRefusal("unknown kubectl command \"\(verb.prefix(40))\" (kubectl would look for a plugin)")
        }
    }

    static func configRefusal(_ sub: String?) -> String {
        "kubectl config\(sub.map { " " + $0.prefix(40) } ?? ""): changes or reveals the kubeconfig (contexts, clusters, credentials)"
    }

    /// `kubectl create SUB NAME`: the scope comes from what SUB creates.
    private static func createSubcommand(_ sub: String, scope: (ResourceType?, String) -> KubeScope) throws(KubeRefusal) -> KubeAccess {
        let typeWord: String
        switch sub {
        case "namespace", "ns": typeWord = "namespaces"
        case "clusterrole": typeWord = "clusterroles"
        case "clusterrolebinding": typeWord = "clusterrolebindings"
        case "priorityclass", "pc": typeWord = "priorityclasses"
        case "deployment", "deploy": typeWord = "deployments"
        case "job": typeWord = "jobs"
        case "cronjob", "cj": typeWord = "cronjobs"
        case "configmap", "cm": typeWord = "configmaps"
        case "secret": typeWord = "secrets"
        case "service", "svc": typeWord = "services"
        case "serviceaccount", "sa": typeWord = "serviceaccounts"
        case "quota", "resourcequota": typeWord = "resourcequotas"
        case "role": typeWord = "roles"
        case "rolebinding": typeWord = "rolebindings"
        case "ingress", "ing": typeWord = "ingresses"
        case "poddisruptionbudget", "pdb": typeWord = "poddisruptionbudgets"
        case "token": typeWord = "serviceaccounts"
        default:
            throw KubeRefusal("kubectl create \(sub.prefix(40)): unknown subcommand")
        }
        let t = ResourceCatalog.lookup(typeWord)
        return KubeAccess(verb: "create", scope: scope(t, typeWord), resource: t?.plural ?? typeWord)
    }

    /// `kubectl cp [NS/]POD:PATH LOCAL` and the reverse. kubectl splits at the first `:`; a pod part with
    /// one `/` names its namespace, overriding `-n`.
    private static func copySpecs(_ w: [String], namespace: String) throws(KubeRefusal) -> [KubeAccess] {
        var out: [KubeAccess] = []
        if let source = w.first, !source.contains(":") {
            // Uploading reads a local file into the cluster, where the agent can read it back (the kubeconfig
            // is in the server's view).
            throw KubeRefusal("kubectl cp \(source.prefix(60)): copies a local file into the cluster")
        }
        for arg in w {
            guard let colon = arg.firstIndex(of: ":") else { continue } // a local path
            let pod = arg[..<colon]
            let pieces = pod.split(separator: "/", omittingEmptySubsequences: false)
            switch pieces.count {
            case 1:
                guard !pod.isEmpty else { throw KubeRefusal("kubectl cp \(arg.prefix(60)): no pod name") }
                out.append(KubeAccess(verb: "cp", scope: .namespace(namespace), resource: "pods"))
            case 2:
                let ns = try NamespaceName.checked(String(pieces[0]), from: "kubectl cp \(arg.prefix(60))")
                out.append(KubeAccess(verb: "cp", scope: .namespace(ns), resource: "pods"))
            default:
                throw KubeRefusal("kubectl cp \(arg.prefix(60)): not NAMESPACE/POD:PATH")
            }
        }
        if out.isEmpty { throw KubeRefusal("kubectl cp without a pod") }
        return out
    }

    /// One manifest object as an access: cluster-scoped kinds and unknown kinds are cluster accesses.
    static func manifestAccess(_ obj: ManifestObject, verb: String, namespace: String) -> KubeAccess {
        guard let t = ResourceCatalog.lookup(kind: obj.kind, apiVersion: obj.apiVersion) else {
            return KubeAccess(verb: verb, scope: .cluster("unknown kind \(obj.kind) (\(obj.apiVersion))"), resource: obj.kind)
        }
        if !t.namespaced { return KubeAccess(verb: verb, scope: .cluster(t.plural), resource: t.plural) }
        return KubeAccess(verb: verb, scope: .namespace(obj.namespace ?? namespace), resource: t.plural)
    }
}
