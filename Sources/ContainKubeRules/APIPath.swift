// `kubectl get --raw PATH` (and create/replace/delete --raw) sends PATH to the API server as it is. The
// namespace is read from the path's own structure; anything that could be read two ways (percent-encoding,
// dot segments, empty segments, a full URL) is refused rather than normalised, because the server and any
// proxy in front of it may normalise differently.

enum APIPath {
    static func access(_ raw: String, verb: String) throws(KubeRefusal) -> KubeAccess {
        guard raw.hasPrefix("/") else {
            throw KubeRefusal("--raw \"\(raw.prefix(80))\": only absolute API paths are understood")
        }
        var path = Substring(raw)
        if let q = path.firstIndex(of: "?") { path = path[..<q] }
        for u in path.utf8 where u <= 0x20 || u == 0x7f || u == 0x25 /* % */ || u == 0x5c /* \ */ || u == 0x23 /* # */ || u == 0x3b /* ; */ {
            throw KubeRefusal("--raw \"\(raw.prefix(80))\": encoded or ambiguous characters in the API path")
        }
        if raw.contains("#") {
            throw KubeRefusal("--raw \"\(raw.prefix(80))\": fragment in the API path")
        }
        var comps = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        if comps.last == "" { comps.removeLast() }
        if comps.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            throw KubeRefusal("--raw \"\(raw.prefix(80))\": empty or dot segments in the API path")
        }
        let shown = String(path)
        func scoped(_ s: KubeScope) -> KubeAccess { KubeAccess(verb: verb, scope: s, resource: shown) }

        // Discovery and version documents say nothing about any namespace's contents.
        switch comps.count {
        case 0: return scoped(.none)
        default: break
        }
        switch comps[0] {
        case "version", "openapi":
            return scoped(.none)
        case "api":
            // /api, /api/v1, /api/v1/namespaces/NS/...
            if comps.count <= 2 { return scoped(.none) }
            return try resourcePath(Array(comps[2...]), group: "", shown: shown, verb: verb)
        case "apis":
            // /apis, /apis/GROUP, /apis/GROUP/VERSION, /apis/GROUP/VERSION/namespaces/NS/...
            if comps.count <= 3 { return scoped(.none) }
            return try resourcePath(Array(comps[3...]), group: comps[1], shown: shown, verb: verb)
        default:
            // /healthz, /metrics, /logs, /debug, ... : server-wide endpoints.
            return scoped(.cluster(shown))
        }
    }

    /// The part after `/api/v1` or `/apis/G/V`.
    private static func resourcePath(_ rest: [String], group: String, shown: String, verb: String) throws(KubeRefusal) -> KubeAccess {
        if rest[0] == "namespaces" {
            guard rest.count >= 3 else {
                // /namespaces or /namespaces/NS: the Namespace objects themselves are cluster-scoped.
                return KubeAccess(verb: verb, scope: .cluster(shown), resource: shown)
            }
            let ns = try NamespaceName.checked(rest[1], from: "API path \(shown)")
            return KubeAccess(verb: verb, scope: .namespace(ns), resource: shown)
        }
        // A collection or object outside /namespaces/: all namespaces for a namespaced type, else cluster.
        let word = group.isEmpty ? rest[0] : "\(rest[0]).\(group)"
        if let t = ResourceCatalog.lookup(word), t.namespaced {
            return KubeAccess(verb: verb, scope: .allNamespaces, resource: shown)
        }
        return KubeAccess(verb: verb, scope: .cluster(shown), resource: shown)
    }
}
