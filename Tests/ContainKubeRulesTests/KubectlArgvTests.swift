// kubectl command lines as a shell-exec tool would run them, under the shipped profile's rule
// (dev and staging, read-only verbs, the kubeconfig context's namespace is dev).

import Testing
import ContainRuleKit
@testable import ContainKubeRules

private func argv(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }

/// Reads that stay in dev/staging, or touch no namespace at all.
@Test(arguments: [
    "kubectl get pods",
    "kubectl get pods -n dev",
    "kubectl get pods -nstaging",
    "kubectl get pods -n=staging",
    "kubectl get pods --namespace staging",
    "kubectl get pods --namespace=dev",
    "kubectl -n dev get pods",
    "kubectl --namespace=staging get pods -o wide",
    "kubectl get pods -n prod -n dev",
    "kubectl get pods --namespace=prod -nstaging",
    "kubectl get pod/web -n dev",
    "kubectl get po,svc -n dev",
    "kubectl get deployments.apps -n dev",
    "kubectl get deployments.v1.apps -n staging",
    "kubectl get pods.v1. -n dev",
    "kubectl get all -n dev",
    "kubectl get ev -n staging",
    "kubectl describe pod web -n dev",
    "kubectl logs web -n dev --tail 10",
    "kubectl logs deploy/web -n dev -c app -f",
    "kubectl logs web -p -n dev",
    "kubectl top pods -n dev",
    "kubectl get pods -w -n dev",
    "kubectl get pods -wndev",
    "kubectl version",
    "kubectl api-resources --namespaced=true",
    "kubectl api-versions",
    "kubectl explain pods.spec",
    "kubectl get --raw /api/v1/namespaces/dev/pods",
    "kubectl get --raw=/apis/apps/v1/namespaces/staging/deployments",
    "kubectl get --raw /api/v1/namespaces/dev/pods?limit=5",
    "kubectl get --raw /version",
    "kubectl get --raw /apis/apps/v1",
    "kubectl get pods -o json -l app=web -n dev",
    "kubectl get pods -o go-template={{.kind}} -n dev",
    "kubectl get pods -o jsonpath={.items[*].metadata.name} -n dev",
    "kubectl get pods --all-namespaces=false -n dev",
    "kubectl get pods -A=false",
    "kubectl events -n dev",
    "kubectl get pods -n dev --show-labels --sort-by=.metadata.name",
    "kubectl get pods --future-flag=x -n dev",
    "kubectl get pods -n dev --future-bool",
    "kubectl --help",
    "/usr/bin/kubectl get pods -n staging",
    "kubectl top pod --containers -n dev",
    "kubectl logs web --prefix -n dev",
    "kubectl logs web --all-containers --timestamps -n staging",
])
func readsInAllowedNamespacesPass(_ line: String) {
    let v = devStagingRule().checkKubectlArgv(argv(line))
    #expect(v == .allow, "\(line): \(reason(v))")
}

/// What an agent tries to reach another namespace, all namespaces, the cluster, another cluster or
/// another identity with: each must be refused.
@Test(arguments: [
    "kubectl get pods -n prod",
    "kubectl get pods -nprod",
    "kubectl get pods -n=prod",
    "kubectl get pods --namespace prod",
    "kubectl get pods --namespace=prod",
    "kubectl -n prod get pods",
    "kubectl get pods -n dev -n prod",
    "kubectl get pods -n dev --namespace=prod",
    "kubectl get pods -n dev-prod",
    "kubectl get pods -n staging2",
    "kubectl get pods -n Dev",
    "kubectl get pods -A",
    "kubectl get pods --all-namespaces",
    "kubectl get pods --all-namespaces=true",
    "kubectl get pods --all_namespaces",
    "kubectl get pods --all-namespaces=maybe",
    "kubectl get pods -wA",
    "kubectl get pods -wnprod",
    "kubectl get pods -w -n=prod",
    "kubectl get pods --context prod-cluster",
    "kubectl get pods --context=prod-cluster -n dev",
    "kubectl get pods --cluster other -n dev",
    "kubectl get pods --kubeconfig /tmp/other -n dev",
    "kubectl get pods --server https://203.0.113.9:6443 -n dev",
    "kubectl get pods -s https://203.0.113.9:6443 -n dev",
    "kubectl get pods -shttps://203.0.113.9 -n dev",
    "kubectl get pods --as admin -n dev",
    "kubectl get pods --as-group system:masters -n dev",
    "kubectl get pods --as_group=system:masters -n dev",
    "kubectl get pods --as-uid 0 -n dev",
    "kubectl get pods --token abc -n dev",
    "kubectl get pods --user admin -n dev",
    "kubectl get pods --username admin -n dev",
    "kubectl get pods --insecure-skip-tls-verify -n dev",
    "kubectl get pods --certificate-authority /tmp/ca -n dev",
    "kubectl get pods --client-key /tmp/k -n dev",
    "kubectl get pods --client-certificate=/tmp/c -n dev",
    "kubectl get pods --tls-server-name evil -n dev",
    "kubectl get pods --kuberc=/tmp/prefs -n dev",
    "kubectl --log-file=/tmp/x get pods -n dev",
    "kubectl get pods --cache-dir /tmp/c -n dev",
    "kubectl get pods --profile cpu --profile-output /tmp/p -n dev",
    "kubectl get --raw /api/v1/namespaces/prod/pods",
    "kubectl get --raw /api/v1/pods",
    "kubectl get --raw /api/v1/nodes",
    "kubectl get --raw /api/v1/namespaces",
    "kubectl get --raw /api/v1/namespaces/dev/../prod/pods",
    "kubectl get --raw /api/v1/namespaces/dev%2F..%2Fprod/pods",
    "kubectl get --raw http://127.0.0.1/api/v1/namespaces/prod/pods",
    "kubectl get --raw //api/v1/namespaces/prod/pods",
    "kubectl get --raw /metrics",
    "kubectl get --raw /apis/apps/v1/deployments",
    "kubectl get --raw /apis/rbac.authorization.k8s.io/v1/clusterroles",
    "kubectl get nodes",
    "kubectl get no",
    "kubectl get ns",
    "kubectl get namespaces dev",
    "kubectl get pv",
    "kubectl get sc",
    "kubectl get crd",
    "kubectl get crds",
    "kubectl get customresourcedefinitions.apiextensions.k8s.io",
    "kubectl get clusterroles",
    "kubectl get clusterrolebindings",
    "kubectl get priorityclasses",
    "kubectl get apiservices",
    "kubectl get mutatingwebhookconfigurations",
    "kubectl get validatingwebhookconfigurations",
    "kubectl get csr",
    "kubectl get pods,nodes -n dev",
    "kubectl get node/worker-1",
    "kubectl get widgets.example.com -n dev",
    "kubectl get pods.evil.example.com -n dev",
    "kubectl describe nodes",
    "kubectl top nodes",
    "kubectl top pods -A",
    "kubectl cluster-info",
    "kubectl cluster-info dump",
    "kubectl config view",
    "kubectl config view --raw",
    "kubectl config use-context prod",
    "kubectl config set-context --current --namespace=prod",
    "kubectl proxy --port=8001",
    "kubectl port-forward pod/web 8080:80 -n dev",
    "kubectl cp prod/web:/etc/passwd /tmp/x",
    "kubectl cp web:/etc/passwd /tmp/x -n dev",
    "kubectl exec web -n dev -- ls",
    "kubectl attach web -n dev",
    "kubectl debug node/worker-1 -it --image=busybox",
    "kubectl run x --image=busybox -n dev",
    "kubectl delete pod web -n dev",
    "kubectl apply -f /tmp/x.yaml",
    "kubectl apply -f -",
    "kubectl apply -f https://example.com/x.yaml",
    "kubectl apply -k ./overlay",
    "kubectl get -k ./overlay",
    "kubectl kustomize ./overlay",
    "kubectl frobnicate",
    "kubectl get pods --selector",
    "kubectl get pods --future-flag dev",
    "kubectl get pods -X",
    "kubectl get pods -p",
    "kubectl get pods -n",
    "kubectl get pods -n= -n dev",
    "kubectl get secrets -n prod",
    "kubectl logs -n prod web",
    "kubectl create namespace x",
    "kubectl auth can-i --list -n dev",
    "kubectl get -- nodes",
    "kubectl get pods -n dev -o go-template-file=/tmp/kubeconfig",
    "kubectl get pods -n dev -ojsonpath-file=/tmp/kubeconfig",
    "kubectl get pods -n dev --output=custom-columns-file=/tmp/kubeconfig",
    "kubectl get pods -n dev -o templatefile --template=/tmp/kubeconfig",
    "kubectl get pods -n dev -o=GO-TEMPLATE-FILE=/tmp/kubeconfig",
    "kubectl get pods -n dev -- nodes/node-1",
    "kubectl describe -- node node-1",
    "kubectl -- get nodes",
    "kubectl top -- nodes",
])
func escapesAreRefused(_ line: String) {
    let v = devStagingRule().checkKubectlArgv(argv(line))
    #expect(v != .allow, "\(line) was allowed")
    if case .deny(let rule, let r) = v {
        #expect(rule == "k8s.namespaces")
        #expect(r.hasPrefix("shell command: "))
    }
}

@Test func denialNamesTheNamespaceAndTheAllowedOnes() {
    let v = devStagingRule().checkKubectlArgv(argv("kubectl get pods -n prod"), tool: "shell_execute")
    #expect(v == .deny(rule: "k8s.namespaces", reason: "shell_execute: namespace \"prod\" is not allowed (get pods; allowed: dev, staging)"))
}

@Test func configIsRefusedForWhatItIs() {
    for line in ["kubectl config view --raw", "kubectl config set-context --current --namespace=prod", "kubectl config view --flatten --minify"] {
        let v = devStagingRule().checkKubectlArgv(argv(line))
        #expect(reason(v).contains("changes or reveals the kubeconfig"), "\(line): \(reason(v))")
    }
}

@Test func emptyNamespaceValueIsRefusedNotDefaulted() {
    // `-n ""` makes kubectl fall back to the context's namespace; the rule refuses rather than guess.
    #expect(devStagingRule().checkKubectlArgv(["kubectl", "get", "pods", "-n", ""]) != .allow)
}

@Test func nonKubectlCommandIsRefused() {
    #expect(devStagingRule().checkKubectlArgv(["sh", "-c", "kubectl get pods -n prod"]) != .allow)
    #expect(devStagingRule().checkKubectlArgv([]) != .allow)
}

/// With writes switched on (verbs: all), namespaces still bind.
@Test(arguments: [
    ("kubectl delete pod web -n dev", true),
    ("kubectl delete pod web -n prod", false),
    ("kubectl delete pods --all -A", false),
    ("kubectl create namespace x", false),
    ("kubectl create clusterrolebinding x --clusterrole=cluster-admin --serviceaccount=dev:default", false),
    ("kubectl create deployment web --image=nginx -n staging", true),
    ("kubectl create configmap x --from-literal=a=b", true),
    ("kubectl create secret generic x --from-file=/tmp/kubeconfig -n dev", false),
    ("kubectl create configmap x --from-env-file /tmp/env -n dev", false),
    ("kubectl patch deploy web --patch-file /tmp/kubeconfig -n dev", false),
    ("kubectl cp dev/web:/tmp/x /tmp/x", true),
    ("kubectl cp prod/web:/tmp/x /tmp/x -n dev", false),
    ("kubectl cp /tmp/x staging/web:/tmp/x", false),
    ("kubectl cp staging/web:/tmp/x /tmp/x", true),
    ("kubectl create secret tls x --cert=/tmp/kubeconfig --key /tmp/k -n dev", false),
    ("kubectl cp a/b/web:/tmp/x /tmp/x", false),
    ("kubectl exec web -n dev -- kubectl -n prod get pods", true),
    ("kubectl exec -it deploy/web -n prod -- sh", false),
    ("kubectl run x --image=nginx -n staging", true),
    ("kubectl drain worker-1", false),
    ("kubectl cordon worker-1", false),
    ("kubectl taint nodes worker-1 k=v:NoSchedule", false),
    ("kubectl certificate approve csr-1", false),
    ("kubectl scale deploy/web --replicas=3 -n dev", true),
    ("kubectl label ns dev team=x", false),
    ("kubectl patch deploy web -p {} -n dev", true),
    ("kubectl rollout restart deploy/web -n staging", true),
    ("kubectl rollout undo deploy/web -n prod", false),
    ("kubectl set image deploy/web web=nginx -n dev", true),
    ("kubectl label pod/web app- tier=x -n dev", true),
    ("kubectl set env deploy/web --containers app -n dev A=b", true),
    ("kubectl set env deploy/web -c app -e A=b -n prod", false),
    ("kubectl create deployment web --image=nginx -r 2 -n staging", true),
    ("kubectl label pod/web tier=x -n prod", false),
    ("kubectl proxy", false),
    ("kubectl debug node/worker-1 --image=busybox", false),
    ("kubectl debug web -n dev --image=busybox", true),
    ("kubectl create --raw /api/v1/namespaces/prod/configmaps -f -", false),
    ("kubectl delete --raw /api/v1/namespaces/dev/pods/web", true),
    ("kubectl config use-context prod", false),
])
func writesStillBoundByNamespace(_ c: (String, Bool)) {
    let v = devStagingRule(verbs: nil).checkKubectlArgv(argv(c.0))
    #expect((v == .allow) == c.1, "\(c.0): \(reason(v))")
}

@Test func readOnlyVerbsByDefault() {
    let v = devStagingRule().checkKubectlArgv(argv("kubectl delete pod web -n dev"))
    #expect(reason(v).contains("verb \"delete\""))
    #expect(reason(v).contains("namespace \"dev\""))
}

@Test func allNamespacesNeedsALiteralStar() {
    #expect(devStagingRule(namespaces: ["*"]).checkKubectlArgv(argv("kubectl get pods -A")) == .allow)
    // A glob that happens to match every name in use is not "all namespaces".
    #expect(devStagingRule(namespaces: ["*-*", "?*"]).checkKubectlArgv(argv("kubectl get pods -A")) != .allow)
}

@Test func namespaceGlobsMatchWholeNames() {
    let e = devStagingRule(namespaces: ["team-*", "dev"])
    #expect(e.checkKubectlArgv(argv("kubectl get pods -n team-a")) == .allow)
    #expect(e.checkKubectlArgv(argv("kubectl get pods -n dev")) == .allow)
    #expect(e.checkKubectlArgv(argv("kubectl get pods -n dev-prod")) != .allow)
    #expect(e.checkKubectlArgv(argv("kubectl get pods -n xteam-a")) != .allow)
}

@Test func defaultNamespaceIsTheContextOne() {
    #expect(devStagingRule(defaultNamespace: "default").checkKubectlArgv(argv("kubectl get pods")) != .allow)
    #expect(devStagingRule(defaultNamespace: "staging").checkKubectlArgv(argv("kubectl get pods")) == .allow)
}

@Test func clusterScopedWhenAllowed() {
    #expect(devStagingRule(cluster: true).checkKubectlArgv(argv("kubectl get nodes")) == .allow)
    #expect(devStagingRule(cluster: true).checkKubectlArgv(argv("kubectl get --raw /api/v1/nodes")) == .allow)
    // Still no other identity.
    #expect(devStagingRule(cluster: true).checkKubectlArgv(argv("kubectl get nodes --as admin")) != .allow)
}

@Test func manifestFromTheCallsStdin() {
    let e = devStagingRule(verbs: nil)
    let dev = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: dev\n"
    let prod = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: prod\n"
    let noNamespace = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
    #expect(e.checkKubectlArgv(argv("kubectl apply -f -"), stdin: dev) == .allow)
    #expect(e.checkKubectlArgv(argv("kubectl apply -f -"), stdin: prod) != .allow)
    #expect(e.checkKubectlArgv(argv("kubectl apply -f -"), stdin: noNamespace) == .allow)
    #expect(e.checkKubectlArgv(argv("kubectl apply -f - -n prod"), stdin: noNamespace) != .allow)
    #expect(e.checkKubectlArgv(argv("kubectl apply --prune -f -"), stdin: dev) != .allow)
    #expect(e.checkKubectlArgv(argv("kubectl apply -f - -f /tmp/other.yaml"), stdin: dev) != .allow)
    #expect(e.checkKubectlArgv(argv("kubectl delete -f -"), stdin: prod) != .allow)
    #expect(e.checkKubectlArgv(argv("kubectl get -f -"), stdin: dev) == .allow)
}

@Test func parserReadsValuesAndPositionalsLikePflag() throws {
    let cl = try KubectlParser.parse(argv("-n dev get -l app=x pods web --sort-by .x -o=json -wA=false"))
    #expect(cl.words == ["get", "pods", "web"])
    #expect(cl.namespace == "dev")
    #expect(cl.watch)
    #expect(!cl.allNamespaces)
    let exec = try KubectlParser.parse(argv("exec -it web -c app -- ls -n prod"))
    #expect(exec.words == ["exec", "web"])
    #expect(exec.afterDashDash == ["ls", "-n", "prod"])
    #expect(exec.namespace == nil)
    let patch = try KubectlParser.parse(argv("patch deploy web -p {} -n dev"))
    #expect(patch.words == ["patch", "deploy", "web"])
}
