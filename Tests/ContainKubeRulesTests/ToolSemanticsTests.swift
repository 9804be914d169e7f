// Tool calls of the known Kubernetes MCP servers, with each server's meaning of an absent namespace.

import Testing
import ContainRuleKit
import ContainProfile
@testable import ContainKubeRules

private let writes = devStagingRule(verbs: nil)
private let writesAndCluster = devStagingRule(verbs: nil, cluster: true)

@Test(arguments: [
    // containers/kubernetes-mcp-server
    ("pods_list", #"{}"#, false),                                          // all namespaces
    ("pods_list", #"{"labelSelector": "app=web"}"#, false),
    ("pods_list_in_namespace", #"{"namespace": "dev"}"#, true),
    ("pods_list_in_namespace", #"{"namespace": "prod"}"#, false),
    ("pods_list_in_namespace", #"{}"#, false),
    ("pods_get", #"{"name": "web"}"#, true),                               // kubeconfig namespace: dev
    ("pods_get", #"{"name": "web", "namespace": "staging"}"#, true),
    ("pods_get", #"{"name": "web", "namespace": "dev-prod"}"#, false),
    ("pods_get", #"{"name": "web", "namespace": "kube-system"}"#, false),
    ("pods_log", #"{"name": "web", "namespace": "staging"}"#, true),
    ("pods_log", #"{"name": "web", "namespace": "prod", "container": "app"}"#, false),
    ("pods_delete", #"{"name": "web", "namespace": "dev"}"#, false),      // read-only verbs
    ("pods_exec", #"{"name": "web", "namespace": "dev", "command": ["id"]}"#, false),
    ("pods_run", #"{"image": "nginx", "namespace": "dev"}"#, false),
    ("pods_top", #"{}"#, false),                                           // all_namespaces defaults to true
    ("pods_top", #"{"namespace": "dev"}"#, false),
    ("pods_top", #"{"namespace": "dev", "all_namespaces": false}"#, true),
    ("resources_list", #"{"apiVersion": "v1", "kind": "Pod"}"#, false),
    ("resources_list", #"{"apiVersion": "v1", "kind": "Pod", "namespace": "dev"}"#, true),
    ("resources_list", #"{"apiVersion": "v1", "kind": "Node"}"#, false),
    ("resources_list", #"{"apiVersion": "v1", "kind": "Namespace"}"#, false),
    ("resources_list", #"{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole"}"#, false),
    ("resources_list", #"{"apiVersion": "example.com/v1", "kind": "Widget", "namespace": "dev"}"#, false),
    ("resources_get", #"{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}"#, true),
    ("resources_get", #"{"apiVersion": "v1", "kind": "Secret", "name": "db", "namespace": "prod"}"#, false),
    ("resources_get", #"{"apiVersion": "v1", "kind": "Secret", "name": "--server=https://x", "namespace": "dev"}"#, false),
    ("resources_delete", #"{"apiVersion": "v1", "kind": "Pod", "name": "web", "namespace": "dev"}"#, false),
    ("resources_scale", #"{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "dev"}"#, true),
    ("resources_scale", #"{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "dev", "scale": 3}"#, false),
    ("events_list", #"{}"#, false),
    ("events_list", #"{"namespace": "dev"}"#, true),
    ("namespaces_list", #"{}"#, false),
    ("projects_list", #"{}"#, false),
    ("nodes_top", #"{}"#, false),
    ("configuration_view", #"{"minified": true}"#, false),
    ("helm_list", #"{}"#, true),
    ("helm_list", #"{"all_namespaces": true}"#, false),
    ("helm_list", #"{"namespace": "prod"}"#, false),
    // Flux159 (camelCase): an absent namespace is the literal "default"; events default to all namespaces.
    ("kubectl_get", #"{"resourceType": "pods"}"#, false),
    ("kubectl_get", #"{"resourceType": "pods", "namespace": "dev"}"#, true),
    ("kubectl_get", #"{"resourceType": "pods", "namespace": "dev", "allNamespaces": true}"#, false),
    ("kubectl_get", #"{"resourceType": "pods", "namespace": "dev", "allNamespaces": "yes"}"#, false),
    ("kubectl_get", #"{"resourceType": "events"}"#, false),
    ("kubectl_get", #"{"resourceType": "events", "namespace": "staging"}"#, true),
    ("kubectl_get", #"{"resourceType": "nodes"}"#, false),
    ("kubectl_get", #"{"resourceType": "pods,nodes", "namespace": "dev"}"#, false),
    ("kubectl_get", #"{"resourceType": "pods", "namespace": "dev", "context": "prod"}"#, false),
    ("kubectl_describe", #"{"resourceType": "pod", "name": "web", "namespace": "dev"}"#, true),
    ("kubectl_describe", #"{"resourceType": "pod", "name": "web"}"#, false),
    ("kubectl_logs", #"{"resourceType": "deployment", "name": "web", "namespace": "staging"}"#, true),
    ("kubectl_logs", #"{"resourceType": "pod", "name": "-nprod", "namespace": "dev"}"#, false),
    ("kubectl_context", #"{"operation": "set", "name": "prod"}"#, false),
    ("kubectl_context", #"{"operation": "list"}"#, false),
    ("port_forward", #"{"resourceType": "pod", "resourceName": "web", "localPort": 8080, "targetPort": 80, "namespace": "dev"}"#, false),
    ("exec_in_pod", #"{"name": "web", "namespace": "dev", "command": ["id"]}"#, false),
    ("kubectl_apply", #"{"manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: dev}\n"}"#, false),
    ("explain_resource", #"{"resource": "pods"}"#, true),
    ("list_api_resources", #"{}"#, true),
    ("ping", #"{}"#, true),
    // PyPI kubectl-mcp-server (snake_case): an absent namespace is the context's.
    ("kubectl_get", #"{"resource_type": "pods"}"#, true),
    ("kubectl_get", #"{"resource_type": "pods", "context": ""}"#, true),
    ("kubectl_get", #"{"resource_type": "pods", "context": "prod"}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "all_namespaces": true}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "namespace": "prod"}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "namespace": "dev prod"}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "namespace": 7}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "namespace": ["dev"]}"#, false),
    ("kubectl_get", #"{"resource_type": "ns"}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "name": "--raw=/api/v1/pods", "namespace": "dev"}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "kubeconfig": "/tmp/other"}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "as_group": "system:masters"}"#, false),
    ("kubectl_get", #"{}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "namespace": "dev", "output": "go-template-file=/tmp/kubeconfig"}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "namespace": "dev", "output": "json"}"#, true),
    ("kubectl_get", #"{"resource_type": "nodes", "resourceType": "pods", "namespace": "dev"}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "resourceType": "pods", "namespace": "dev"}"#, true),
    ("kubectl_get", #"{"resourceType": "pods", "namespace": "dev", "all_namespaces": false, "allNamespaces": true}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "all_namespaces": true, "allNamespaces": false}"#, false),
    ("kubectl_get", #"{"resource_type": "pods", "resourceType": ""}"#, false),
    ("kubectl_logs", #"{"pod_name": "web", "namespace": "staging"}"#, true),
    ("kubectl_logs", #"{"pod_name": "web"}"#, false),                       // default "default"
    ("kubectl_describe", #"{"resource_type": "pod", "name": "web", "namespace": "dev"}"#, true),
    ("kubectl_top", #"{"resource": "pods", "namespace": "dev"}"#, true),
    ("kubectl_top", #"{"resource": "pods", "all_namespaces": true}"#, false),
    ("kubectl_top", #"{"resource": "nodes"}"#, false),
    ("kubectl_explain", #"{"resource": "pods"}"#, true),
    ("get_api_resources", #"{}"#, true),
    ("list_contexts", #"{}"#, false),
    ("health_check", #"{}"#, false),
    ("detect_pending_pods", #"{}"#, false),
    ("detect_pending_pods", #"{"namespace": "dev"}"#, true),
    ("diagnose_pod_crash", #"{"pod_name": "web", "namespace": "dev"}"#, true),
    ("helm_status", #"{"release_name": "web", "namespace": "dev"}"#, true),
    ("helm_status", #"{"release_name": "web"}"#, false),
    ("kubectl_generic", #"{"command": "get pods -n dev"}"#, true),
    ("kubectl_generic", #"{"command": "kubectl get pods"}"#, true),
    ("kubectl_generic", #"{"command": "get pods -n prod"}"#, false),
    ("kubectl_generic", #"{"command": "get pods -n 'prod'"}"#, false),
    ("kubectl_generic", #"{"command": "get pods -n d\"e\"v"}"#, true),
    ("kubectl_generic", #"{"command": "get pods -n dev --as_group=system:masters"}"#, false),
    ("kubectl_generic", #"{"command": "get pods -A"}"#, false),
    ("kubectl_generic", #"{"command": "get pods -n dev --namespace prod"}"#, false),
    ("kubectl_generic", #"{"command": "config view --raw"}"#, false),
    ("kubectl_generic", #"{"command": "get --raw /api/v1/namespaces/prod/secrets"}"#, false),
    ("kubectl_generic", #"{"command": "get pods -n 'dev"}"#, false),
    ("kubectl_generic", #"{"command": "cluster-info"}"#, false),
    ("kubectl_generic", #"{"command": "auth can-i --list"}"#, false),
    // Flux159 kubectl_generic: the argv it builds from its fields.
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "namespace": "dev"}"#, true),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods"}"#, true),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "flags": {"namespace": "prod"}}"#, false),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "namespace": "dev", "args": ["-n", "prod"]}"#, false),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "flags": {"all-namespaces": true}}"#, false),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "flags": {"context": "prod"}}"#, false),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "flags": {"as": "admin"}}"#, false),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "flags": {"server": "https://x"}}"#, false),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "flags": {"namespace=prod": true}}"#, false),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "flags": {"raw": "/api/v1/pods"}}"#, false),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "flags": {"o": ["a"]}}"#, false),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "flags": {"selector": "app=web", "watch": false}, "namespace": "dev"}"#, true),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "allNamespaces": true}"#, false),
    ("kubectl_generic", #"{"command": "get", "resourceType": "pods", "namespace": "prod"}"#, false),
    ("kubectl_generic", #"{"command": "config", "subCommand": "use-context", "name": "prod"}"#, false),
    ("kubectl_generic", #"{"command": "get pods", "namespace": "dev"}"#, false),
    // Shell-exec tools running kubectl (mcp-shell-server's argv array).
    ("shell_execute", #"{"command": ["kubectl", "get", "pods", "-n", "dev"]}"#, true),
    ("shell_execute", #"{"command": ["kubectl", "get", "pods", "-n", "prod"]}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "get", "pods", "-n", "prod", "|", "kubectl", "get", "pods", "-n", "dev"]}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "get", "pods", "-n", "dev", ";", "kubectl", "get", "pods", "-A"]}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "get", "pods", "-n", "dev", "&&", "cat", "/etc/passwd"]}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "get", "pods", "-n", "dev", ">", "/tmp/out"]}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "apply", "-f", "-", "<", "/tmp/m.yaml"]}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "get", "pods", "2>", "/tmp/e"]}"#, false),
    ("shell_execute", #"{"command": ["ls", "-la"]}"#, false),
    ("shell_execute", #"{"command": ["env", "KUBECONFIG=/tmp/k", "kubectl", "get", "pods"]}"#, false),
    ("shell_execute", #"{"command": ["/usr/bin/kubectl", "get", "pods"], "directory": "/tmp"}"#, true),
    ("shell_execute", #"{"command": "kubectl get pods -n dev"}"#, true),
    ("shell_execute", #"{"command": "kubectl get pods -n $NS"}"#, false),
    ("shell_execute", #"{"command": "kubectl get pods -n{dev,prod}"}"#, false),
    ("shell_execute", #"{"command": "kubectl get pods -n dev; kubectl get pods -n prod"}"#, false),
    ("shell_execute", #"{"command": "kubectl get pods -n \"prod\""}"#, false),
    ("shell_execute", #"{"command": 5}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "get", "pods"], "envs": {"KUBECONFIG": "/tmp/other"}}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "get", "pods"], "env": {"HTTPS_PROXY": "http://127.0.0.1:9"}}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "get", "pods"], "env": {"LANG": "C"}}"#, true),
    ("shell_execute", #"{"command": ["kubectl", 5]}"#, false),
    // Tools this rule does not know: verb from the name, no namespace may mean all of them.
    ("list_pods", #"{"namespace": "dev"}"#, true),
    ("list_pods", #"{}"#, false),
    ("list_pods", #"{"namespace": "prod"}"#, false),
    ("get_resource", #"{"resource_type": "nodes", "namespace": "dev"}"#, false),
    ("delete_pod", #"{"namespace": "dev", "name": "web"}"#, false),
    ("frobnicate", #"{"namespace": "dev"}"#, false),
])
func toolCalls(_ c: (String, String, Bool)) {
    let v = evaluate(c.0, c.1)
    #expect((v == .allow) == c.2, "\(c.0) \(c.1): \(reason(v))")
}

@Test func denialNamesToolNamespaceAndRule() {
    let v = evaluate("pods_get", #"{"name": "web", "namespace": "prod"}"#)
    #expect(v == .deny(rule: "k8s.namespaces", reason: "pods_get: namespace \"prod\" is not allowed (get pods; allowed: dev, staging)"))
    let all = evaluate("pods_list", "{}")
    #expect(reason(all) == "pods_list: list pods across all namespaces is not allowed (allowed: dev, staging)")
    let cluster = evaluate("namespaces_list", "{}")
    #expect(reason(cluster).hasPrefix("namespaces_list: list on namespaces is cluster-scoped"))
}

@Test func pyPIDefaultsFollowTheContextNamespace() {
    // kubectl-mcp-server leaves an absent namespace to the kubeconfig context; Flux159 writes "default".
    let e = devStagingRule(defaultNamespace: "default")
    #expect(evaluate("kubectl_get", #"{"resource_type": "pods"}"#, e) != .allow)
    #expect(evaluate("pods_get", #"{"name": "web"}"#, devStagingRule(namespaces: ["default"], defaultNamespace: "default")) == .allow)
}

@Test(arguments: [
    ("resources_create_or_update", #"{"resource": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: dev}\n"}"#, true),
    ("resources_create_or_update", #"{"resource": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"}"#, true),
    ("resources_create_or_update", #"{"resource": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: dev}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b, namespace: prod}\n"}"#, false),
    ("resources_create_or_update", #"{"resource": "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"namespace\":\"prod\"}}]}"}"#, false),
    ("resources_create_or_update", #"{"resource": "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n"}"#, false),
    ("resources_create_or_update", #"{"resource": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\n"}"#, false),
    ("resources_create_or_update", #"{}"#, false),
    ("kubectl_apply", #"{"manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", "namespace": "staging"}"#, true),
    ("kubectl_apply", #"{"manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"}"#, false),
    ("kubectl_apply", #"{"manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: prod}\n", "namespace": "dev"}"#, false),
    ("kubectl_apply", #"{"filename": "/tmp/x.yaml", "namespace": "dev"}"#, false),
    ("kubectl_create", #"{"resourceType": "namespace", "name": "x"}"#, false),
    ("kubectl_create", #"{"resourceType": "configmap", "name": "x", "namespace": "dev"}"#, true),
    ("kubectl_create", #"{"resourceType": "configmap", "name": "x", "namespace": "dev", "fromFile": ["k=/tmp/kubeconfig"]}"#, false),
    ("kubectl_create", #"{"resourceType": "configmap", "name": "x", "namespace": "dev", "fromFile": []}"#, true),
    ("kubectl_create", #"{"resourceType": "secret", "secretType": "generic", "name": "x", "namespace": "dev", "output": "go-template-file"}"#, false),
    ("kubectl_delete", #"{"resourceType": "pod", "name": "web", "namespace": "dev"}"#, true),
    ("kubectl_delete", #"{"resourceType": "pod", "name": "web", "namespace": "dev", "allNamespaces": true}"#, false),
    ("kubectl_delete", #"{"manifest": "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: prod}\n", "namespace": "dev"}"#, false),
    ("delete_resource", #"{"resource_type": "pod", "name": "web", "namespace": "staging"}"#, true),
    ("kubectl_scale", #"{"resource_type": "deployment", "name": "web", "replicas": 2, "namespace": "dev"}"#, true),
    ("kubectl_patch", #"{"resource_type": "deployment", "name": "web", "patch": "{}", "namespace": "prod"}"#, false),
    ("kubectl_rollout", #"{"action": "restart", "resource_type": "deployment", "name": "web", "namespace": "dev"}"#, true),
    ("exec_in_pod", #"{"pod_name": "web", "namespace": "dev", "command": "ls -la --color"}"#, true),
    ("exec_in_pod", #"{"name": "web", "command": ["sh"]}"#, false),
    ("pods_exec", #"{"name": "web", "command": ["sh", "-c", "id"]}"#, true),
    ("pods_run", #"{"image": "nginx", "namespace": "prod"}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "apply", "-f", "-"], "stdin": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: dev}\n"}"#, true),
    ("shell_execute", #"{"command": ["kubectl", "apply", "-f", "-"], "stdin": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: prod}\n"}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "get", "cm", "-o", "yaml", "-n", "dev", "|", "kubectl", "apply", "-f", "-"], "stdin": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: dev}\n"}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "apply", "-f", "-"]}"#, false),
])
func writeToolsWithWritesSwitchedOn(_ c: (String, String, Bool)) {
    let v = evaluate(c.0, c.1, writes)
    #expect((v == .allow) == c.2, "\(c.0) \(c.1): \(reason(v))")
}

@Test(arguments: [
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev"}"#, true),
    (#"{"chart": "bitnami/nginx", "name": "web"}"#, true),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "prod"}"#, false),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": {"namespaceOverride": "prod"}}"#, false),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": {"global": {"namespaceOverride": "kube-system"}}}"#, false),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": {"namespaceOverride": "staging"}}"#, true),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": "namespaceOverride: prod\n"}"#, false),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": {"watchNamespaces": ["dev", "prod"]}}"#, false),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": {"replicaCount": 2}}"#, true),
    // Typed namespaces: helm (YAML 1.1) renders 0x1f as 31, 010 as 8, yes as true; none can be checked by name.
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": "namespaceOverride: 0x1f\n"}"#, false),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": "namespaceOverride: 010\n"}"#, false),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": "global: {namespaceOverride: yes}\n"}"#, false),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": {"namespaceOverride": 5}}"#, false),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": {"namespaceOverride": true}}"#, false),
    (#"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev", "values": "namespaceOverride: 'staging'\nreplicaCount: 0x2\n"}"#, true),
])
func helmInstall(_ c: (String, Bool)) {
    let v = evaluate("helm_install", c.0, writesAndCluster)
    #expect((v == .allow) == c.1, "\(c.0): \(reason(v))")
}

@Test(arguments: [
    #"{"chart": "c", "name": "web", "namespace": "dev", "values": "namespaceOverride: 0x1f\n"}"#,
    #"{"chart": "c", "name": "web", "namespace": "dev", "values": "global: {namespaceOverride: yes}\n"}"#,
    #"{"chart": "c", "name": "web", "namespace": "dev", "values": {"namespaceOverride": 5}}"#,
    #"{"chart": "c", "name": "web", "namespace": "dev", "values": {"namespaceOverride": false}}"#,
])
func helmNamespacesHelmWouldRetypeAreRefusedForThatReason(_ args: String) {
    // Not "namespace 0x1f is not allowed": an allowlist holding that text would pass a release helm puts in "31".
    let v = evaluate("helm_install", args, writesAndCluster)
    #expect(v != .allow)
    #expect(reason(v).contains("quote it as a string"), "\(reason(v))")
}

@Test func helmInstallNeedsClusterScopeForTheChartsOwnResources() {
    let v = evaluate("helm_install", #"{"chart": "bitnami/nginx", "name": "web", "namespace": "dev"}"#, writes)
    #expect(reason(v).contains("cluster-scoped"))
}

@Test func rulesApplyToTheirTools() {
    var r = KubernetesRule(id: "k", tools: ["kubectl_*", "pods_*"])
    r.namespaces = ["dev"]
    let e = KubernetesRuleEvaluator(rule: r)
    #expect(e.applies(to: "kubectl_get"))
    #expect(e.applies(to: "pods_list"))
    #expect(!e.applies(to: "get_current_time"))
    #expect(e.id == "k")
}

@Test func argumentsMustBeAnObject() {
    let v = devStagingRule().evaluate(ToolCall(name: "pods_get", arguments: .array([]), requestID: "1"), context: context)
    #expect(v != .allow)
    let empty = devStagingRule().evaluate(ToolCall(name: "pods_get", arguments: .null, requestID: "1"), context: context)
    #expect(empty == .allow) // dev is the context namespace
}

@Test func accessesWithoutARuleForLearnMode() throws {
    let call = ToolCall(name: "pods_get", arguments: TinyJSON.parse(#"{"name": "web"}"#), requestID: "1")
    #expect(try KubernetesRuleEvaluator.accesses(for: call, defaultNamespace: "team-a")
            == [KubeAccess(verb: "get", scope: .namespace("team-a"), resource: "pods")])
    #expect(try KubernetesRuleEvaluator.kubectlAccesses(["kubectl", "logs", "web", "-n", "b"], defaultNamespace: "a")
            == [KubeAccess(verb: "logs", scope: .namespace("b"), resource: "pods")])
    #expect(throws: KubeRefusal.self) { try KubernetesRuleEvaluator.kubectlAccesses(["kubectl", "get", "pods", "--as=x"], defaultNamespace: "a") }
}

@Test func accessesAreExposedForAudit() throws {
    let call = ToolCall(name: "kubectl_generic", arguments: TinyJSON.parse(#"{"command": "get pods,nodes -n dev"}"#), requestID: "1")
    let acc = try devStagingRule().accesses(for: call)
    #expect(acc == [KubeAccess(verb: "get", scope: .namespace("dev"), resource: "pods"),
                    KubeAccess(verb: "get", scope: .cluster("nodes"), resource: "nodes")])
}
