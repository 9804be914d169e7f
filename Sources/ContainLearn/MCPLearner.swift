// Tool calls seen -> the profile's `mcp` section:
//  - tools: default deny, the tools called allowed (a client's tools/list then shows only those);
//  - commands: for tools whose command argument held argv arrays or shell strings, the commands run, with
//    their subcommands for subcommand-style programs (git, kubectl, ...), and the shell constructs used;
//  - paths: for tools with path arguments, the paths used as globs (the workspace as `${WORKSPACE}/**`);
//  - kubernetes: the namespaces named (`namespace` arguments, kubectl `-n`).
// Every learned command rule is checked against every command line seen, with the real evaluator, so a
// learned profile that would refuse its own workload is reported before anyone runs it.

import ContainKubeRules
import ContainProfile
import ContainRuleKit
import ContainShellRules

public struct MCPLearnResult: Sendable {
    public var policy: MCPPolicy
    public var entries: [String: String] = [:]
    public var sections: [String: [String]] = [:]
    public var review: [String] = []
}

public struct MCPLearner: Sendable {
    public var workspace: String
    public var home: String

    public init(workspace: String, home: String) {
        self.workspace = LexicalPath.normalize(workspace)
        self.home = home
    }

    static let commandArguments = ["command", "cmd", "command_line", "commandLine", "script", "shell_command"]
    static let pathArguments: Set<String> = ["path", "paths", "source", "destination", "repo_path", "directory", "dir",
                                             "cwd", "file", "file_path", "filepath", "filename", "working_directory",
                                             "workdir", "root", "target", "target_path", "source_path", "dest"]
    static let builtInPathFields: Set<String> = ["path", "paths[]", "source", "destination", "repo_path"]
    /// Programs whose first argument names what they do: learning records it as a subcommand.
    static let subcommandPrograms: Set<String> = [
        "git", "kubectl", "docker", "podman", "helm", "npm", "pnpm", "yarn", "pip", "pip3", "uv", "cargo", "go",
        "apt", "apt-get", "systemctl", "gh", "terraform", "poetry", "conda", "brew", "dotnet", "gcloud", "aws", "az",
        "oc", "kustomize", "minikube", "kind", "nerdctl", "crictl", "journalctl", "rustup", "bundle", "gem",
    ]

    public func learn(_ tools: [String: ObservationSnapshot.ToolRecord]) -> MCPLearnResult {
        var m = MCPPolicy()
        var result = MCPLearnResult(policy: m)
        m.tools.defaultAction = .deny
        m.tools.allow = tools.keys.sorted()
        for (name, rec) in tools {
            result.entries["tool:" + name] = "seen: \(rec.calls) call\(rec.calls == 1 ? "" : "s")"
            if rec.droppedValues > 0 {
                result.review.append("\(name): more than \(Observation.valueCap) distinct values of one argument; the rest were not learned")
            }
        }
        result.sections["mcp.tools"] = ["Tools the client called while learning; every other tool is refused and hidden from tools/list."]

        var kube = KubeSeen()
        var learnedPaths: [(PathRule, [String: Int])] = []
        for (tool, rec) in tools.sorted(by: { $0.key < $1.key }) {
            if let (rule, notes, review) = commandRule(tool: tool, rec, kube: &kube) {
                m.commands.append(rule)
                result.entries.merge(notes) { a, _ in a }
                result.review += review
            }
            if let learned = pathRule(tool: tool, rec) { learnedPaths.append(learned) }
            if Self.isKubernetesTool(tool, rec) { kube.addCalls(tool: tool, rec) }
        }
        // Tools whose paths were learned the same (a filesystem server's read_file, write_file, ...) share one rule.
        var groups: [(rule: PathRule, counts: [String: Int])] = []
        for (rule, counts) in learnedPaths {
            if let i = groups.firstIndex(where: { $0.rule.allow == rule.allow && $0.rule.fields == rule.fields }) {
                groups[i].rule.tools += rule.tools
                groups[i].counts.merge(counts, uniquingKeysWith: +)
            } else {
                groups.append((rule, counts))
            }
        }
        for (n, g) in groups.enumerated() {
            var rule = g.rule
            if rule.tools.count > 1 { rule.id = groups.count == 1 ? "learned.paths" : "learned.paths.\(n + 1)" }
            for (glob, count) in g.counts { result.entries["glob:\(rule.id):\(glob)"] = "seen: \(count)x" }
            m.paths.append(rule)
        }
        if let (k, notes, review) = kube.rule() {
            m.kubernetes.append(k)
            result.entries.merge(notes) { a, _ in a }
            result.review += review
            result.sections["mcp.kubernetes"] = [
                "What the Kubernetes calls touched, read the way the kubernetes rule reads them (a kubectl",
                "without -n, or a tool without a namespace, touches the profile's default namespace).",
            ]
        }
        result.policy = m
        return result
    }

    // MARK: - commands

    private struct CommandSeen {
        var count = 0
        var subcommands: [String: Int] = [:]
        /// An invocation put an option before the subcommand (then subcommands are not restricted).
        var optionFirst = false
        var example = ""
    }

    private func commandRule(tool: String, _ rec: ObservationSnapshot.ToolRecord, kube: inout KubeSeen)
        -> (CommandRule, [String: String], [String])? {
        guard let argName = Self.commandArguments.first(where: { rec.arguments[$0] != nil }),
              let values = rec.arguments[argName] else { return nil }
        var seen: [String: CommandSeen] = [:]
        var constructs: ShellConstructs = []
        var sawArgv = false, sawShell = false
        var review: [String] = []
        var lines: [(ArgValue, Int)] = []
        for (value, n) in values.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            let script: ShellScript
            switch value {
            case .strings(let argv):
                sawArgv = true
                script = Self.splitArgv(argv)
            case .string(let s):
                sawShell = true
                switch ShellParser.parse(s) {
                case .success(let sc): script = sc
                case .failure(let e):
                    review.append("\(tool): command \(CommandLineRendering.clip(CommandLineRendering.render(argv: [s]), limit: 120)) does not parse (\(e.reason)); it will be refused")
                    continue
                }
            case .other:
                continue
            }
            lines.append((value, n))
            constructs.formUnion(script.constructs)
            for c in script.commands {
                guard let first = c.words.first?.text, !first.isEmpty else { continue }
                let key = Self.commandKey(first)
                var s = seen[key] ?? CommandSeen()
                s.count += n
                if s.example.isEmpty { s.example = CommandLineRendering.clip(CommandLineRendering.render(c), limit: 60) }
                let args = c.words.dropFirst().map(\.text)
                let base = LexicalPath.lastComponent(first)
                if Self.subcommandPrograms.contains(base) {
                    if let sub = Self.subcommand(base, Array(args)) { s.subcommands[sub, default: 0] += n }
                    if base != "git", let a = args.first, a.hasPrefix("-") { s.optionFirst = true }
                }
                if base == "kubectl" {
                    kube.addKubectl(tool: tool, argv: [first] + args, count: n)
                }
                seen[key] = s
            }
        }
        guard !seen.isEmpty else { return nil }
        var rule = CommandRule(id: "learned.\(tool).commands", tools: [tool], argument: argName)
        rule.form = sawArgv && !sawShell ? .argv : sawShell && !sawArgv ? .shell : .auto
        var notes: [String: String] = [:]
        for (name, s) in seen {
            var spec = CommandSpec()
            if !s.subcommands.isEmpty && !s.optionFirst {
                spec.subcommands = s.subcommands.keys.sorted()
            }
            rule.allow[name] = spec
            notes["cmd:\(rule.id):\(name)"] = "seen: \(s.count)x, e.g. \(s.example)"
        }
        var used: [String] = []
        func gate(_ flags: ShellConstructs, _ key: String, _ set: (inout ShellAllowances) -> Void) {
            if !constructs.isDisjoint(with: flags) { set(&rule.shell); used.append(key) }
        }
        gate(.redirections, "redirections") { $0.redirections = true }
        gate([.commandSubstitution, .processSubstitution], "substitutions") { $0.substitutions = true }
        gate([.subshells, .braceGroups], "subshells") { $0.subshells = true }
        gate(.background, "background") { $0.background = true }
        gate(.heredocs, "heredocs") { $0.heredocs = true }
        gate(.assignments, "assignments") { $0.assignments = true }
        gate([.parameterExpansion, .arithmetic, .tilde], "expansions") { $0.expansions = true }
        if !used.isEmpty {
            notes["shell:\(rule.id)"] = "used while learning: \(used.joined(separator: ", "))"
            review.append("\(tool): commands used shell \(used.joined(separator: ", ")); allowed because the workload did. Review: these widen what a command line can do")
        }
        // Pipes, lists and globs are allowed by default; a workload that used none keeps them off.
        if !constructs.contains(.pipes) { rule.shell.pipes = false }
        if !constructs.contains(.lists) { rule.shell.lists = false }
        if !constructs.contains(.globs) { rule.shell.globs = false }

        // Close the loop: the learned rule must accept every command line the workload ran.
        let evaluator = CommandRuleEvaluator(rule: rule)
        for (value, _) in lines {
            let outcome: CommandRuleEvaluator.Outcome
            switch value {
            case .strings(let argv): outcome = evaluator.check(argv: argv)
            case .string(let s): outcome = evaluator.check(shell: s)
            case .other: continue
            }
            if case .denied(let reason, _) = outcome {
                review.append("\(tool): a command seen while learning is still refused by contain's built-in rules: \(reason)")
            }
        }
        return (rule, notes, review)
    }

    /// The profile key for a command word: the bare name when it is one or lies in a standard bin directory,
    /// else its normalised absolute path (the evaluator only lets a bare name match standard locations).
    static func commandKey(_ word: String) -> String {
        guard word.hasPrefix("/") else { return word }
        let norm = LexicalPath.normalize(word)
        let dir = LexicalPath.parent(norm)
        return ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin"].contains(dir) ? LexicalPath.lastComponent(norm) : norm
    }

    /// mcp-shell-server's argv form: lone `|`, `;`, `&&`, `||` split commands; `>`, `>>`, `<` redirect.
    static func splitArgv(_ raw: [String]) -> ShellScript {
        let argv = raw.filter { !$0.isEmpty }
        var commands: [SimpleCommand] = []
        var constructs: ShellConstructs = []
        var current = SimpleCommand()
        var k = 0
        while k < argv.count {
            let a = argv[k]
            switch a {
            case "|", ";", "&&", "||":
                constructs.insert(a == "|" ? .pipes : .lists)
                if !current.words.isEmpty { commands.append(current) }
                current = SimpleCommand()
            case ">", ">>", "<":
                constructs.insert(.redirections)
                k += 1
            default:
                current.words.append(ShellWord(text: a, raw: a))
            }
            k += 1
        }
        if !current.words.isEmpty { commands.append(current) }
        return ShellScript(commands: commands, constructs: constructs)
    }

    /// The word the command rule compares with `subcommands` (git skips its global options first).
    static func subcommand(_ name: String, _ args: [String]) -> String? {
        if name == "git" {
            let withValue: Set<String> = ["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--super-prefix", "--config-env"]
            var k = 0
            while k < args.count {
                if !args[k].hasPrefix("-") { return args[k] }
                k += withValue.contains(args[k]) ? 2 : 1
            }
            return nil
        }
        guard let first = args.first, !first.hasPrefix("-") else { return nil }
        return first
    }

    // MARK: - paths

    /// The path rule for one tool and how often each of its globs was used.
    private func pathRule(tool: String, _ rec: ObservationSnapshot.ToolRecord) -> (PathRule, [String: Int])? {
        var fields = Set<String>()
        var paths: [String: Int] = [:]
        for (key, values) in rec.arguments {
            let leaf = key.split(separator: ".").last.map(String.init) ?? key
            guard Self.pathArguments.contains(leaf) else { continue }
            for (v, n) in values {
                switch v {
                case .string(let s) where !s.isEmpty:
                    fields.insert(key)
                    paths[absolute(s), default: 0] += n
                case .strings(let list):
                    fields.insert(key + "[]")
                    for s in list where !s.isEmpty { paths[absolute(s), default: 0] += n }
                default: continue
                }
            }
        }
        guard !paths.isEmpty else { return nil }
        var rule = PathRule(id: "learned.\(tool).paths", tools: [tool])
        if !fields.isSubset(of: Self.builtInPathFields) { rule.fields = fields.sorted() }
        var globs: [String: Int] = [:]
        var outside: [String: Int] = [:]
        for (p, n) in paths {
            if LexicalPath.isWithin(p, workspace) { globs[workspace + "/**", default: 0] += n } else { outside[p, default: 0] += n }
        }
        // Outside the workspace: exact paths, or `dir/**` when several siblings were used and `dir` is narrow.
        let fsRules = FilesystemLearner(workspace: workspace, home: home, facts: HostPathFacts())
        var byParent: [String: [String]] = [:]
        for p in outside.keys { byParent[LexicalPath.parent(p), default: []].append(p) }
        for (parent, members) in byParent {
            if members.count >= FilesystemLearner.collapseThreshold && !fsRules.isProtected(parent) {
                globs[parent + "/**", default: 0] += members.reduce(0) { $0 + (outside[$1] ?? 0) }
            } else {
                for p in members { globs[p, default: 0] += outside[p] ?? 0 }
            }
        }
        rule.allow = globs.keys.sorted()
        return (rule, globs)
    }

    /// A path argument as the server resolves it: `~` is the home directory, relative paths start at the
    /// server's working directory (the workspace).
    private func absolute(_ s: String) -> String {
        if s == "~" { return LexicalPath.normalize(home) }
        if s.hasPrefix("~/") { return LexicalPath.normalize(home + "/" + s.dropFirst(2)) }
        if s.hasPrefix("file://") { return LexicalPath.normalize(String(s.dropFirst(7))) }
        if s.hasPrefix("/") { return LexicalPath.normalize(s) }
        return LexicalPath.normalize(workspace + "/" + s)
    }
}

extension MCPLearner {
    /// Tools whose calls the kubernetes rule should read: they name namespaces, or they are a known
    /// Kubernetes server's tools (kubernetes-mcp-server, kubectl-mcp-server).
    static func isKubernetesTool(_ tool: String, _ rec: ObservationSnapshot.ToolRecord) -> Bool {
        let keys = ["namespace", "allNamespaces", "all_namespaces", "all-namespaces"]
        if rec.arguments.keys.contains(where: { k in keys.contains { k == $0 || k.hasSuffix("." + $0) } }) { return true }
        let prefixes = ["kubectl_", "pods_", "resources_", "namespaces_", "nodes_", "events_", "helm_", "k8s_", "kube_"]
        return prefixes.contains { tool.hasPrefix($0) }
    }
}

/// What the Kubernetes calls of a workload touched, from the kubernetes rule's own reading of them.
struct KubeSeen {
    static let defaultNamespace = KubernetesRule(id: "", tools: []).defaultNamespace
    var tools = Set<String>()
    var namespaces: [String: Int] = [:]
    var allNamespaces = 0
    var cluster: [String: Int] = [:]
    var verbs: [String: Int] = [:]
    var refused: [String] = []

    mutating func add(_ accesses: [KubeAccess], tool: String, count: Int) {
        tools.insert(tool)
        for a in accesses {
            verbs[a.verb, default: 0] += count
            switch a.scope {
            case .namespace(let ns): namespaces[ns, default: 0] += count
            case .allNamespaces: allNamespaces += count
            case .cluster(let what): cluster[what, default: 0] += count
            case .none: break
            }
        }
    }

    mutating func addKubectl(tool: String, argv: [String], count: Int) {
        do throws(KubeRefusal) {
            add(try KubernetesRuleEvaluator.kubectlAccesses(argv, defaultNamespace: Self.defaultNamespace), tool: tool, count: count)
        } catch {
            tools.insert(tool)
            refused.append("\(tool): \(CommandLineRendering.clip(CommandLineRendering.render(argv: argv), limit: 100)) cannot be read safely by the kubernetes rule (\(error.reason)); it will be refused")
        }
    }

    mutating func addCalls(tool: String, _ rec: ObservationSnapshot.ToolRecord) {
        for (text, n) in rec.callArguments.sorted(by: { $0.key < $1.key }) {
            guard let arguments = try? JSONParser.parse(text) else { continue }
            do throws(KubeRefusal) {
                let call = ToolCall(name: tool, arguments: arguments, requestID: "0")
                add(try KubernetesRuleEvaluator.accesses(for: call, defaultNamespace: Self.defaultNamespace), tool: tool, count: n)
            } catch {
                tools.insert(tool)
                refused.append("\(tool): a call cannot be read safely by the kubernetes rule (\(error.reason)); it will be refused")
            }
        }
    }

    /// The learned rule, its comments and what to review; nil when no Kubernetes call was seen.
    func rule() -> (KubernetesRule, [String: String], [String])? {
        guard !tools.isEmpty else { return nil }
        var k = KubernetesRule(id: "learned.kubernetes", tools: tools.sorted())
        var notes: [String: String] = [:]
        var review = Array(refused.prefix(12))
        k.namespaces = namespaces.keys.sorted()
        for (ns, n) in namespaces { notes["ns:\(k.id):\(ns)"] = "seen: \(n)x" }
        if allNamespaces > 0 {
            k.namespaces.append("*")
            notes["ns:\(k.id):*"] = "all namespaces at once: \(allNamespaces)x"
            review.append("Kubernetes calls listed across all namespaces (\(allNamespaces)x): the rule allows every namespace (\"*\"); narrow it if the server can name one")
        }
        if k.namespaces.isEmpty { k.namespaces = [k.defaultNamespace] }
        if !cluster.isEmpty {
            k.allowClusterScoped = true
            review.append("Kubernetes calls touched cluster-scoped resources (\(cluster.keys.sorted().joined(separator: ", "))): cluster_scoped is on")
        }
        if !verbs.isEmpty {
            k.verbs = verbs.keys.sorted()
            let readOnly = Set(KubernetesRule(id: "", tools: []).verbs ?? [])
            let writes = verbs.keys.filter { !readOnly.contains($0) }.sorted()
            if !writes.isEmpty {
                review.append("Kubernetes verbs beyond reading were used: \(writes.joined(separator: ", ")); they are allowed")
            }
        }
        return (k, notes, review)
    }
}
