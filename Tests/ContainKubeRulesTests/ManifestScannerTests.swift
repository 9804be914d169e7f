// Manifests as kubectl reads them: documents, lists, namespaces, and the YAML that could be read two ways.

import Testing
@testable import ContainKubeRules

private func namespaces(_ text: String) throws -> [String?] {
    try ManifestScanner.objects(in: text).map(\.namespace)
}

@Test func singleDocument() throws {
    let objs = try ManifestScanner.objects(in: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: dev\n")
    #expect(objs == [ManifestObject(apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "dev")])
}

@Test func everyDocumentCounts() throws {
    let text = """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: a, namespace: dev}
    ---
    apiVersion: v1
    kind: Secret
    metadata: {name: b, namespace: prod}
    --- # a comment after the separator is fine
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: c}
    """
    #expect(try namespaces(text) == ["dev", "prod", nil])
}

@Test func listItemsAreTheObjects() throws {
    let text = """
    apiVersion: v1
    kind: List
    items:
    - apiVersion: v1
      kind: Pod
      metadata: {name: a, namespace: staging}
    - apiVersion: v1
      kind: Pod
      metadata: {name: b, namespace: prod}
    """
    let objs = try ManifestScanner.objects(in: text)
    #expect(objs.map(\.namespace) == ["staging", "prod"])
    #expect(objs.map(\.kind) == ["Pod", "Pod"])
}

@Test func anyObjectWithItemsIsReadAsAList() throws {
    // kubectl treats any object with an `items` array as a list, whatever its kind says.
    let text = """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: decoy, namespace: dev}
    items:
    - {apiVersion: v1, kind: ConfigMap, metadata: {name: real, namespace: prod}}
    """
    #expect(Set(try namespaces(text).compactMap { $0 }) == ["dev", "prod"])
}

@Test func nestedLists() throws {
    let text = """
    {"apiVersion": "v1", "kind": "List", "items": [
      {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "prod"}}]}]}
    """
    #expect(try namespaces(text) == ["prod"])
}

@Test func absentNullOrEmptyNamespaceMeansTheCommandsNamespace() throws {
    #expect(try namespaces("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n") == [nil])
    #expect(try namespaces("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: ~\n") == [nil])
    #expect(try namespaces("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: \"\"\n") == [nil])
    #expect(try namespaces("apiVersion: v1\nkind: Pod\nmetadata:\n") == [nil])
}

@Test func jsonManifest() throws {
    let text = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"pr\u006fd"}}"#
    #expect(try namespaces(text) == ["prod"])
}

@Test func aliasesAreFollowed() throws {
    let text = "x: &ns prod\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: *ns\n"
    #expect(try namespaces(text) == ["prod"])
}

@Test func quotedKeysAreTheSameKeys() throws {
    #expect(try namespaces("\"apiVersion\": v1\n'kind': Pod\nmetadata:\n  \"namespace\": prod\n") == ["prod"])
}

@Test func crlfLineEndings() throws {
    let text = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  namespace: dev\r\n---\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  namespace: prod\r\n"
    #expect(try namespaces(text) == ["dev", "prod"])
}

@Test func emptyDocumentsAreSkipped() throws {
    #expect(try namespaces("---\n---\napiVersion: v1\nkind: Pod\nmetadata: {namespace: dev}\n---\n") == ["dev"])
    #expect(try namespaces("") == [])
}

/// Texts an attacker crafts so this parser and kubectl disagree: each must be refused.
@Test(arguments: [
    // A merge key carrying metadata.namespace (kubectl's YAML applies merges).
    "base: &b {namespace: prod}\napiVersion: v1\nkind: Pod\nmetadata:\n  <<: *b\n  name: a\n",
    "m: &m {metadata: {namespace: prod}}\n<<: *m\napiVersion: v1\nkind: Pod\n",
    // Duplicate keys (JSON decoding keeps the last one).
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: dev\n  namespace: prod\n",
    #"{"apiVersion":"v1","kind":"Pod","metadata":{"namespace":"dev","namespace":"prod"}}"#,
    // Content after a separator: kubectl errors, a YAML library might read a document.
    "--- {apiVersion: v1, kind: Pod, metadata: {namespace: prod}}\n",
    // A second document inside one kubectl document.
    "apiVersion: v1\nkind: Pod\nmetadata: {namespace: dev}\n...\n%YAML 1.1\n---\n",
    // Non-string namespace values.
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: 123\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: [prod]\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: {a: b}\n",
    // Names no namespace can have.
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: dev/../prod\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: 'dev prod'\n",
    // Not an object, no kind, broken text.
    "- a\n- b\n",
    "apiVersion: v1\nmetadata: {namespace: dev}\n",
    "apiVersion: v1\nkind: Pod\nmetadata: [a]\n",
    "apiVersion: v1\nkind: Pod\nmetadata: {namespace: dev\n",
    "apiVersion: v1\nkind: [Pod]\n",
])
func ambiguousManifestsAreRefused(_ text: String) {
    #expect(throws: KubeRefusal.self) { try ManifestScanner.objects(in: text) }
}

@Test func kindsDecideScope() {
    func scope(_ kind: String, _ apiVersion: String, ns: String? = nil) -> KubeScope {
        KubectlSemantics.manifestAccess(ManifestObject(apiVersion: apiVersion, kind: kind, name: "x", namespace: ns), verb: "apply", namespace: "dev").scope
    }
    #expect(scope("ConfigMap", "v1") == .namespace("dev"))
    #expect(scope("Deployment", "apps/v1", ns: "staging") == .namespace("staging"))
    #expect(scope("Namespace", "v1") == .cluster("namespaces"))
    #expect(scope("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", ns: "dev") == .cluster("clusterrolebindings"))
    #expect(scope("CustomResourceDefinition", "apiextensions.k8s.io/v1") == .cluster("customresourcedefinitions"))
    #expect(scope("PersistentVolume", "v1") == .cluster("persistentvolumes"))
    #expect(scope("MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1") == .cluster("mutatingwebhookconfigurations"))
    // Custom resources (and built-in kind names in foreign groups) may be cluster-scoped.
    if case .cluster = scope("Widget", "example.com/v1", ns: "dev") {} else { Issue.record("unknown kind not cluster") }
    if case .cluster = scope("Pod", "evil.example.com/v1", ns: "dev") {} else { Issue.record("foreign group not cluster") }
}

@Test func aliasBombIsBounded() {
    var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    var prev = "a"
    for i in 0..<8 {
        let name = "l\(i)"
        text += "\(name): &\(name) [*\(prev), *\(prev), *\(prev), *\(prev), *\(prev), *\(prev), *\(prev), *\(prev), *\(prev), *\(prev)]\n"
        prev = name
    }
    text += "apiVersion: v1\nkind: List\nitems: *\(prev)\n"
    #expect(throws: KubeRefusal.self) { try ManifestScanner.objects(in: text) }
}
