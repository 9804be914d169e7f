// profiles/kubectl.yaml, loaded by the real loader, drives the rule the way `contain run` will.

import Testing
import ContainProfile
import Foundation
import ContainRuleKit
@testable import ContainKubeRules

private let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3) // Tests/ContainKubeRulesTests/ShippedProfileTests.swift
    return parts.joined(separator: "/")
}()

private func loadShipped() throws -> Profile {
    let vars = ProfileVariables(workspace: "/work/ws", home: "/home/tester",
                                environment: ["KUBECONFIG": "/home/tester/.kube/contain-config",
                                              "KUBE_API_SERVER": "api.example.com:6443"])
    return try ProfileLoader(variables: vars).load(repositoryRoot + "/profiles/kubectl.yaml")
}

@Test func shippedProfileLoadsWithBothWalls() throws {
    let p = try loadShipped()
    #expect(p.environment.network == .allow([NetworkDestination(host: "api.example.com", port: 6443)]))
    #expect(p.environment.filesystem.read.contains("/home/tester/.kube/contain-config"))
    #expect(!p.environment.filesystem.read.contains { $0 == "/home/tester" || $0 == "/home/tester/.kube" })
    #expect(p.environment.filesystem.write.isEmpty)
    let k = try #require(p.mcp?.kubernetes.first)
    #expect(k.namespaces == ["dev", "staging"])
    #expect(!k.allowClusterScoped)
    #expect(k.defaultNamespace == "dev")
    #expect(k.verbs?.contains("delete") == false)
}

@Test(arguments: [
    ("kubectl_get", #"{"resource_type": "pods", "namespace": "staging"}"#, true),
    ("kubectl_get", #"{"resource_type": "pods"}"#, true),
    ("kubectl_get", #"{"resource_type": "pods", "namespace": "prod"}"#, false),
    ("kubectl_get", #"{"resource_type": "nodes"}"#, false),
    ("kubectl_generic", #"{"command": "get pods -n dev -o json"}"#, true),
    ("kubectl_generic", #"{"command": "delete pod dev-web -n dev"}"#, false),
    ("shell_execute", #"{"command": ["kubectl", "get", "pods", "-n", "staging"]}"#, true),
    ("shell_execute", #"{"command": ["kubectl", "get", "pods", "--context", "other"]}"#, false),
    ("pods_list", #"{}"#, false),
])
func shippedProfileRule(_ c: (String, String, Bool)) throws {
    let p = try loadShipped()
    let rule = try #require(p.mcp?.kubernetes.first)
    let e = KubernetesRuleEvaluator(rule: rule)
    #expect(e.applies(to: c.0))
    let v = evaluate(c.0, c.1, e)
    #expect((v == .allow) == c.2, "\(c.0) \(c.1): \(reason(v))")
}

@Test func theDocumentedWriteSwitch() throws {
    // docs/kubectl.md: replace the verbs line with verbs: ["*"]; namespaces and cluster scope still bind.
    let text = try String(contentsOfFile: repositoryRoot + "/profiles/kubectl.yaml", encoding: .utf8)
    let line = "      verbs: [get, list, watch, describe, logs, top, explain, version, api-resources]"
    #expect(text.contains(line))
    let vars = ProfileVariables(workspace: "/w", home: "/h", environment: ["KUBECONFIG": "/h/k", "KUBE_API_SERVER": "127.0.0.1:6443"])
    let p = try ProfileLoader(variables: vars).load(yaml: text.replacingOccurrences(of: line, with: "      verbs: [\"*\"]"), file: "/tmp/kubectl-write.yaml")
    let e = KubernetesRuleEvaluator(rule: try #require(p.mcp?.kubernetes.first))
    #expect(e.checkKubectlArgv(["kubectl", "delete", "pod", "x", "-n", "dev"]) == .allow)
    #expect(e.checkKubectlArgv(["kubectl", "delete", "pod", "x", "-n", "prod"]) != .allow)
    #expect(e.checkKubectlArgv(["kubectl", "delete", "ns", "dev"]) != .allow)
}

/// The end-to-end corpus (tests/corpus/kubectl/payloads.jsonl), checked here against the shipped rule alone:
/// every payload is refused by the transport wall before any server sees it.
@Test func everyCorpusPayloadIsRefusedByTheShippedRule() throws {
    let p = try loadShipped()
    let e = KubernetesRuleEvaluator(rule: try #require(p.mcp?.kubernetes.first))
    let text = try String(contentsOfFile: repositoryRoot + "/tests/corpus/kubectl/payloads.jsonl", encoding: .utf8)
    var count = 0
    for line in text.split(separator: "\n") where !line.isEmpty {
        let expanded = line.replacingOccurrences(of: "${OTHER_URL}", with: "http://127.0.0.1:6444")
            .replacingOccurrences(of: "${OTHER_KUBECONFIG}", with: "/tmp/other-config")
            .replacingOccurrences(of: "${OTHER_CONTEXT}", with: "other-0123")
            .replacingOccurrences(of: "${KUBECONFIG}", with: "/home/tester/.kube/contain-config")
        let payload = TinyJSON.parse(expanded)
        guard case .string(let id) = payload["id"], case .string(let tool) = payload["tool"], let args = payload["arguments"] else {
            Issue.record("malformed corpus line: \(line.prefix(80))"); continue
        }
        let v = e.evaluate(ToolCall(name: tool, arguments: args, requestID: "1"), context: context)
        #expect(v != .allow, "\(id) was allowed")
        count += 1
    }
    #expect(count >= 60)
}
