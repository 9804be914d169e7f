// kubectl's flags, as far as the rule needs to know them. kubectl parses with pflag: a flag that takes a
// value consumes the next word unless written `--flag=value` (short: `-nVALUE`, `-n=VALUE`, `-n VALUE`);
// bool flags and flags with an optional value (`--dry-run`, `--cascade`, `--validate`) never consume the
// next word. kubectl also normalises `_` to `-` in flag names (`--all_namespaces`), and has no prefix
// abbreviations. Knowing which flags take a value is what keeps a positional word (a resource, a pod) from
// being mistaken for a value or the other way round.

enum FlagEffect: Sendable, Equatable {
    case none
    case namespace
    case allNamespaces
    /// Points kubectl at another cluster, user or credential: always refused.
    case retarget
    /// Makes kubectl write a file of the caller's choosing (logs, profiles, cache): refused.
    case writesFile
    /// Makes kubectl read a local file into its output or into the cluster (`--from-file=$KUBECONFIG`):
    /// refused, the kubeconfig's credentials are in the server's view.
    case readsFile
    case output
    case filename
    case kustomize
    case raw
    case watch
    case recursive
    case prune
}

struct FlagSpec: Sendable {
    let takesValue: Bool
    let effect: FlagEffect
}

enum KubectlFlags {
    private static func v(_ e: FlagEffect = .none) -> FlagSpec { FlagSpec(takesValue: true, effect: e) }
    private static func b(_ e: FlagEffect = .none) -> FlagSpec { FlagSpec(takesValue: false, effect: e) }

    /// Long flags (without the leading `--`, `_` already normalised to `-`).
    static let long: [String: FlagSpec] = [
        // Global flags (kubectl options).
        "namespace": v(.namespace),
        "all-namespaces": b(.allNamespaces),
        "server": v(.retarget), "context": v(.retarget), "cluster": v(.retarget), "kubeconfig": v(.retarget),
        "user": v(.retarget), "token": v(.retarget), "as": v(.retarget), "as-group": v(.retarget),
        "as-uid": v(.retarget), "username": v(.retarget), "password": v(.retarget),
        "certificate-authority": v(.retarget), "client-certificate": v(.retarget), "client-key": v(.retarget),
        "tls-server-name": v(.retarget), "insecure-skip-tls-verify": b(.retarget),
        // kubectl preferences (kuberc, 1.33+): default flags and aliases from a file of the caller's choosing.
        "kuberc": v(.retarget),
        "disable-compression": b(), "match-server-version": b(), "warnings-as-errors": b(),
        "request-timeout": v(), "v": v(), "vmodule": v(), "log-flush-frequency": v(),
        "cache-dir": v(.writesFile), "log-file": v(.writesFile), "log-dir": v(.writesFile),
        "profile": v(.writesFile), "profile-output": v(.writesFile), "log-backtrace-at": v(),
        "alsologtostderr": b(), "logtostderr": b(), "one-output": b(), "skip-headers": b(),
        "skip-log-headers": b(), "add-dir-header": b(), "stderrthreshold": v(), "log-file-max-size": v(),
        "help": b(),
        // Output and selection (get, describe, logs, ...).
        "output": v(.output), "selector": v(), "field-selector": v(), "sort-by": v(), "template": v(),
        "label-columns": v(), "show-labels": b(), "show-kind": b(), "no-headers": b(),
        "ignore-not-found": b(), "watch": b(.watch), "watch-only": b(.watch), "output-watch-events": b(),
        "chunk-size": v(), "server-print": b(), "show-managed-fields": b(), "allow-missing-template-keys": b(),
        "subresource": v(), "raw": v(.raw), "filename": v(.filename), "kustomize": v(.kustomize),
        "recursive": b(.recursive), "show-events": b(), "all": b(), "for": v(), "types": v(),
        // logs
        "container": v(), "since": v(), "since-time": v(), "tail": v(), "limit-bytes": v(), "previous": b(),
        "follow": b(), "timestamps": b(), "all-containers": b(), "ignore-errors": b(),
        "max-log-requests": v(), "pod-running-timeout": v(), "insecure-skip-tls-verify-backend": b(),
        // top, api-resources, explain, version
        "use-protocol-buffers": b(), "sum": b(),
        "namespaced": b(), "api-group": v(), "verbs": v(), "cached": b(), "api-version": v(),
        "client": b(), "short": b(),
        // Writes (their verbs are checked too; the flags only need parsing right).
        "dry-run": b(), "cascade": b(), "validate": b(), "grace-period": v(), "force": b(), "now": b(),
        "wait": b(), "timeout": v(), "field-manager": v(), "server-side": b(), "force-conflicts": b(),
        "prune": b(.prune), "prune-allowlist": v(), "overwrite": b(), "local": b(), "record": b(),
        "replicas": v(), "current-replicas": v(), "resource-version": v(), "patch": v(), "type": v(),
        "image": v(), "port": v(), "env": v(), "labels": v(), "restart": v(), "overrides": v(),
        "stdin": b(), "tty": b(), "quiet": b(), "attach": b(), "rm": b(), "leave-stdin-open": b(),
        "image-pull-policy": v(), "command": b(), "privileged": b(), "expose": b(), "annotations": v(),
        "from": v(), "from-literal": v(), "from-file": v(.readsFile), "from-env-file": v(.readsFile), "name": v(),
        "target-port": v(), "protocol": v(), "external-ip": v(), "cluster-ip": v(), "min": v(), "max": v(),
        "cpu-percent": v(), "to-revision": v(), "revision": v(), "address": v(), "target": v(),
        "profile-name": v(), "copy-to": v(), "share-processes": b(), "set-image": v(), "custom": v(),
        "no-preserve": b(), "retries": v(), "delete-emptydir-data": b(), "ignore-daemonsets": b(),
        "disable-eviction": b(), "skip-wait-for-delete-timeout": v(), "role": v(), "clusterrole": v(),
        "serviceaccount": v(), "group": v(), "verb": v(), "resource": v(), "resource-name": v(),
        "non-resource-url": v(), "aggregation-rule": v(), "schedule": v(), "docker-server": v(),
        "docker-username": v(), "docker-password": v(), "docker-email": v(), "cert": v(.readsFile), "key": v(.readsFile),
        "duration": v(), "audience": v(), "bound-object-kind": v(), "bound-object-name": v(),
        "bound-object-uid": v(), "list": b(), "subresource-name": v(),
        "all-pods": b(), "append-hash": b(), "arguments-only": b(), "categories": v(), "concurrency": v(),
        "edit": b(), "interactive": b(), "keep-annotations": b(), "keep-init-containers": b(), "keep-labels": b(),
        "keep-liveness": b(), "keep-readiness": b(), "keep-startup": b(), "keys": v(), "load-balancer-ip": v(),
        "openapi-patch": b(), "output-patch": b(), "override-type": v(), "patch-file": v(.readsFile), "pod-selector": v(),
        "replace": b(), "resolve": b(), "same-node": b(), "save-config": b(), "session-affinity": v(),
        "show-capacity": b(), "windows-line-endings": b(),
    ]

    /// Long flags whose kind depends on the command: `top pod --containers` is a switch, `set env
    /// --containers=NAME` takes a value; `logs --prefix` is a switch, `set env --prefix=P` takes a value.
    static func long(_ name: String, verb: String?) -> FlagSpec? {
        switch name {
        case "containers": return verb == "top" ? b() : v()
        case "prefix": return verb == "logs" ? b() : v()
        default: return long[name]
        }
    }

    /// Short flags that mean the same in every command.
    static let short: [Character: String] = [
        "n": "namespace", "A": "all-namespaces", "s": "server", "v": "v", "o": "output", "l": "selector",
        "f": "filename", "k": "kustomize", "w": "watch", "R": "recursive", "L": "label-columns",
        "h": "help", "i": "stdin", "t": "tty", "q": "quiet", "c": "container", "e": "env", "r": "replicas",
    ]

    /// Short flags whose meaning depends on the command (`-p`: `logs --previous`, `patch --patch`).
    static func short(_ c: Character, verb: String?) -> String? {
        if c == "f", verb == "logs" { return "follow" }
        if c == "p" {
            switch verb {
            case "logs": return "previous"
            case "patch": return "patch"
            default: return nil
            }
        }
        return short[c]
    }
}
