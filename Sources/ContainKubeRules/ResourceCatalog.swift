// The built-in Kubernetes resource types: names kubectl accepts for them and whether they are namespaced.
// kubectl ignores `-n` for cluster-scoped types, so scope decides whether a namespace check even applies.
// Types not in this table (custom resources) may be cluster-scoped; they are treated as cluster-scoped so
// an unknown type is never let through on a namespace check alone (docs/kubectl.md, "Custom resources").

struct ResourceType: Sendable {
    let plural: String
    let singular: String
    let shortNames: [String]
    let kind: String
    /// API group ("" for core). Used to accept `deployments.apps` and `deployments.v1.apps` but not
    /// `deployments.evil.example.com` (a custom resource that may well be cluster-scoped).
    let groups: [String]
    let namespaced: Bool
}

enum ResourceCatalog {
    private static func ns(_ plural: String, _ singular: String, _ short: [String] = [], _ kind: String, _ groups: [String]) -> ResourceType {
        ResourceType(plural: plural, singular: singular, shortNames: short, kind: kind, groups: groups, namespaced: true)
    }
    private static func cl(_ plural: String, _ singular: String, _ short: [String] = [], _ kind: String, _ groups: [String]) -> ResourceType {
        ResourceType(plural: plural, singular: singular, shortNames: short, kind: kind, groups: groups, namespaced: false)
    }

    static let all: [ResourceType] = [
        // Namespaced.
        ns("pods", "pod", ["po"], "Pod", ["", "metrics.k8s.io"]),
        ns("services", "service", ["svc"], "Service", [""]),
        ns("endpoints", "endpoints", ["ep"], "Endpoints", [""]),
        ns("configmaps", "configmap", ["cm"], "ConfigMap", [""]),
        ns("secrets", "secret", [], "Secret", [""]),
        ns("serviceaccounts", "serviceaccount", ["sa"], "ServiceAccount", [""]),
        ns("persistentvolumeclaims", "persistentvolumeclaim", ["pvc"], "PersistentVolumeClaim", [""]),
        ns("replicationcontrollers", "replicationcontroller", ["rc"], "ReplicationController", [""]),
        ns("events", "event", ["ev"], "Event", ["", "events.k8s.io"]),
        ns("limitranges", "limitrange", ["limits"], "LimitRange", [""]),
        ns("resourcequotas", "resourcequota", ["quota"], "ResourceQuota", [""]),
        ns("podtemplates", "podtemplate", [], "PodTemplate", [""]),
        ns("bindings", "binding", [], "Binding", [""]),
        ns("deployments", "deployment", ["deploy"], "Deployment", ["apps", "extensions"]),
        ns("replicasets", "replicaset", ["rs"], "ReplicaSet", ["apps", "extensions"]),
        ns("statefulsets", "statefulset", ["sts"], "StatefulSet", ["apps"]),
        ns("daemonsets", "daemonset", ["ds"], "DaemonSet", ["apps", "extensions"]),
        ns("controllerrevisions", "controllerrevision", [], "ControllerRevision", ["apps"]),
        ns("jobs", "job", [], "Job", ["batch"]),
        ns("cronjobs", "cronjob", ["cj"], "CronJob", ["batch"]),
        ns("horizontalpodautoscalers", "horizontalpodautoscaler", ["hpa"], "HorizontalPodAutoscaler", ["autoscaling"]),
        ns("ingresses", "ingress", ["ing"], "Ingress", ["networking.k8s.io", "extensions"]),
        ns("networkpolicies", "networkpolicy", ["netpol"], "NetworkPolicy", ["networking.k8s.io"]),
        ns("poddisruptionbudgets", "poddisruptionbudget", ["pdb"], "PodDisruptionBudget", ["policy"]),
        ns("roles", "role", [], "Role", ["rbac.authorization.k8s.io"]),
        ns("rolebindings", "rolebinding", [], "RoleBinding", ["rbac.authorization.k8s.io"]),
        ns("leases", "lease", [], "Lease", ["coordination.k8s.io"]),
        ns("endpointslices", "endpointslice", [], "EndpointSlice", ["discovery.k8s.io"]),
        ns("csistoragecapacities", "csistoragecapacity", [], "CSIStorageCapacity", ["storage.k8s.io"]),
        ns("localsubjectaccessreviews", "localsubjectaccessreview", [], "LocalSubjectAccessReview", ["authorization.k8s.io"]),
        // `kubectl get all`: the "all" category holds namespaced workload types only.
        ns("all", "all", [], "", [""]),
        // Cluster-scoped.
        cl("nodes", "node", ["no"], "Node", ["", "metrics.k8s.io"]),
        cl("namespaces", "namespace", ["ns"], "Namespace", [""]),
        cl("persistentvolumes", "persistentvolume", ["pv"], "PersistentVolume", [""]),
        cl("componentstatuses", "componentstatus", ["cs"], "ComponentStatus", [""]),
        cl("storageclasses", "storageclass", ["sc"], "StorageClass", ["storage.k8s.io"]),
        cl("csidrivers", "csidriver", [], "CSIDriver", ["storage.k8s.io"]),
        cl("csinodes", "csinode", [], "CSINode", ["storage.k8s.io"]),
        cl("volumeattachments", "volumeattachment", [], "VolumeAttachment", ["storage.k8s.io"]),
        cl("clusterroles", "clusterrole", [], "ClusterRole", ["rbac.authorization.k8s.io"]),
        cl("clusterrolebindings", "clusterrolebinding", [], "ClusterRoleBinding", ["rbac.authorization.k8s.io"]),
        cl("customresourcedefinitions", "customresourcedefinition", ["crd", "crds"], "CustomResourceDefinition", ["apiextensions.k8s.io"]),
        cl("priorityclasses", "priorityclass", ["pc"], "PriorityClass", ["scheduling.k8s.io"]),
        cl("apiservices", "apiservice", [], "APIService", ["apiregistration.k8s.io"]),
        cl("mutatingwebhookconfigurations", "mutatingwebhookconfiguration", [], "MutatingWebhookConfiguration", ["admissionregistration.k8s.io"]),
        cl("validatingwebhookconfigurations", "validatingwebhookconfiguration", [], "ValidatingWebhookConfiguration", ["admissionregistration.k8s.io"]),
        cl("validatingadmissionpolicies", "validatingadmissionpolicy", [], "ValidatingAdmissionPolicy", ["admissionregistration.k8s.io"]),
        cl("validatingadmissionpolicybindings", "validatingadmissionpolicybinding", [], "ValidatingAdmissionPolicyBinding", ["admissionregistration.k8s.io"]),
        cl("certificatesigningrequests", "certificatesigningrequest", ["csr"], "CertificateSigningRequest", ["certificates.k8s.io"]),
        cl("runtimeclasses", "runtimeclass", [], "RuntimeClass", ["node.k8s.io"]),
        cl("ingressclasses", "ingressclass", [], "IngressClass", ["networking.k8s.io"]),
        cl("ipaddresses", "ipaddress", [], "IPAddress", ["networking.k8s.io"]),
        cl("servicecidrs", "servicecidr", [], "ServiceCIDR", ["networking.k8s.io"]),
        cl("flowschemas", "flowschema", [], "FlowSchema", ["flowcontrol.apiserver.k8s.io"]),
        cl("prioritylevelconfigurations", "prioritylevelconfiguration", [], "PriorityLevelConfiguration", ["flowcontrol.apiserver.k8s.io"]),
        cl("tokenreviews", "tokenreview", [], "TokenReview", ["authentication.k8s.io"]),
        cl("selfsubjectreviews", "selfsubjectreview", [], "SelfSubjectReview", ["authentication.k8s.io"]),
        cl("selfsubjectaccessreviews", "selfsubjectaccessreview", [], "SelfSubjectAccessReview", ["authorization.k8s.io"]),
        cl("selfsubjectrulesreviews", "selfsubjectrulesreview", [], "SelfSubjectRulesReview", ["authorization.k8s.io"]),
        cl("subjectaccessreviews", "subjectaccessreview", [], "SubjectAccessReview", ["authorization.k8s.io"]),
    ]

    /// Every accepted spelling (plural, singular, short name, lower-cased kind) -> type.
    private static let byName: [String: ResourceType] = {
        var m: [String: ResourceType] = [:]
        for t in all {
            for n in [t.plural, t.singular] + t.shortNames + (t.kind.isEmpty ? [] : [t.kind.lowercased()]) {
                if m[n] == nil { m[n] = t }
            }
        }
        return m
    }()

    /// A resource word as kubectl takes it: `pods`, `Pod`, `po`, `deployments.apps`, `deployments.v1.apps`,
    /// `pods.v1.`. nil: not a built-in type (or a built-in name under a foreign group).
    static func lookup(_ word: String) -> ResourceType? {
        let lower = word.lowercased()
        guard let dot = lower.firstIndex(of: ".") else { return byName[lower] }
        let base = String(lower[..<dot])
        let suffix = String(lower[lower.index(after: dot)...])
        guard let t = byName[base] else { return nil }
        if t.groups.contains(suffix) { return t }
        // `<version>.<group>`; for core the group is empty: `pods.v1.`
        if let dot2 = suffix.firstIndex(of: "."), isVersion(suffix[..<dot2]) {
            let group = String(suffix[suffix.index(after: dot2)...])
            if t.groups.contains(group) { return t }
        }
        return nil
    }

    /// A manifest's `kind` with its `apiVersion` ("v1", "apps/v1", "example.com/v1").
    static func lookup(kind: String, apiVersion: String) -> ResourceType? {
        guard let t = byName[kind.lowercased()], t.kind == kind || t.kind.lowercased() == kind.lowercased() else { return nil }
        let group: String
        if let slash = apiVersion.firstIndex(of: "/") {
            group = String(apiVersion[..<slash])
        } else {
            group = ""
        }
        // A built-in kind name under a foreign group is a custom resource of unknown scope.
        return t.groups.contains(group) ? t : nil
    }

    private static func isVersion(_ s: Substring) -> Bool {
        guard s.first == "v", s.count >= 2 else { return false }
        let d = s.dropFirst()
        return d.first.map { $0.isNumber } ?? false && d.allSatisfy { $0.isNumber || $0.isLetter }
    }
}
