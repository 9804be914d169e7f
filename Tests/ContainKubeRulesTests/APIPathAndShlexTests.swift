import Testing
@testable import ContainKubeRules

@Test(arguments: [
    ("/api/v1/namespaces/dev/pods", KubeScope.namespace("dev")),
    ("/api/v1/namespaces/dev/pods/web/log?container=x", .namespace("dev")),
    ("/apis/apps/v1/namespaces/staging/deployments/web/scale", .namespace("staging")),
    ("/api/v1/namespaces/dev/services/web:80/proxy/", .namespace("dev")),
    ("/api/v1/pods", .allNamespaces),
    ("/apis/apps/v1/deployments", .allNamespaces),
    ("/apis/metrics.k8s.io/v1beta1/pods", .allNamespaces),
    ("/api/v1/nodes", .cluster("/api/v1/nodes")),
    ("/api/v1/namespaces", .cluster("/api/v1/namespaces")),
    ("/api/v1/namespaces/dev", .cluster("/api/v1/namespaces/dev")),
    ("/apis/example.com/v1/widgets", .cluster("/apis/example.com/v1/widgets")),
    ("/metrics", .cluster("/metrics")),
    ("/logs/", .cluster("/logs/")),
    ("/api", .none), ("/apis", .none), ("/api/v1", .none), ("/apis/apps/v1", .none), ("/version", .none),
    ("/openapi/v2", .none), ("/", .none),
])
func apiPathScopes(_ c: (String, KubeScope)) throws {
    #expect(try APIPath.access(c.0, verb: "get").scope == c.1)
}

@Test(arguments: [
    "api/v1/namespaces/dev/pods", "http://x/api/v1/namespaces/dev/pods", "/api/v1/namespaces/dev/../prod/pods",
    "/api/v1/namespaces/dev/./pods", "//api/v1/namespaces/prod", "/api/v1//namespaces/prod/pods",
    "/api/v1/namespaces/pr%6fd/pods", "/api/v1/namespaces/dev;x/pods", "/api/v1/namespaces/dev\\..\\prod/pods",
    "/api/v1/namespaces/PROD/pods", "/api/v1/namespaces/dev#/../prod", "/api/v1/namespaces/a b/pods",
])
func ambiguousAPIPathsAreRefused(_ path: String) {
    #expect(throws: KubeRefusal.self) { try APIPath.access(path, verb: "get") }
}

/// Expected values are Python's `shlex.split` output for the same input.
@Test(arguments: [
    ("get pods -n dev", ["get", "pods", "-n", "dev"]),
    ("a 'b c'd", ["a", "b cd"]),
    (#"a\ b"#, ["a b"]),
    (#""a\"b""#, [#"a"b"#]),
    (#""a\nb""#, [#"a\nb"#]),
    ("''", [""]),
    (#"x""y"#, ["xy"]),
    ("  a  ", ["a"]),
    ("-n'pr'od", ["-nprod"]),
    ("--namespace=\"prod\"", ["--namespace=prod"]),
    ("a\tb\nc", ["a", "b", "c"]),
    ("", []),
])
func shlexMatchesPython(_ c: (String, [String])) throws {
    #expect(try ShlexSplit.split(c.0) == c.1)
}

@Test func shlexRefusesWhatPythonRefuses() {
    #expect(throws: KubeRefusal.self) { try ShlexSplit.split("get 'pods") }
    #expect(throws: KubeRefusal.self) { try ShlexSplit.split("get \"pods") }
    #expect(throws: KubeRefusal.self) { try ShlexSplit.split("get pods\\") }
}

@Test(arguments: ["pods", "pod", "po", "Pod", "PODS", "deploy", "deployments.apps", "deployments.v1.apps", "pods.v1.",
                  "pods.metrics.k8s.io", "cm", "sa", "pvc", "hpa", "netpol", "cj", "sts", "ds", "rs", "ing", "ev", "events.events.k8s.io"])
func namespacedTypes(_ word: String) {
    #expect(ResourceCatalog.lookup(word)?.namespaced == true)
}

@Test(arguments: ["nodes", "no", "ns", "namespace", "pv", "sc", "crd", "crds", "customresourcedefinition", "clusterroles",
                  "clusterrolebinding", "pc", "priorityclasses", "apiservices", "csr", "mutatingwebhookconfigurations",
                  "validatingwebhookconfiguration", "storageclasses.storage.k8s.io", "nodes.metrics.k8s.io", "Node"])
func clusterTypes(_ word: String) {
    #expect(ResourceCatalog.lookup(word)?.namespaced == false)
}

@Test(arguments: ["widgets", "pods.evil.io", "deployments.v1.evil.io", "deployments.core", "", "nodes.example.com"])
func unknownTypes(_ word: String) {
    #expect(ResourceCatalog.lookup(word) == nil)
}
