import ContainAudit
@testable import ContainLearn
import ContainProfile
import ContainRuleKit
import Testing

@Suite struct MergeTests {
    static let base = """
    version: 1
    description: "hand-written base"
    environment:
      filesystem:
        read: [/usr/lib/python3.11, "${HOME}/.venv"]
        deny: ["${HOME}/.ssh"]
      network: none
      syscalls:
        default: deny
        allow: ["@signal", read, write, openat]
        deny: [ptrace, clone3]
    mcp:
      tools: { default: deny, allow: [shell_execute], hide: [read_file] }
      commands:
        - id: shell.commands
          tools: [shell_execute]
          argument: command
          allow:
            ls: {}
            git: { subcommands: [status] }
          deny: [kubectl]
    """

    @Test func mergeKeepsTheBaseAndAddsOnlyWhatWasMissing() throws {
        let (o, facts) = try pythonServerRun()
        let base = try profileLoader.load(yaml: Self.base, file: "/tmp/base.yaml")
        let out = ProfileWriter.write(o.snapshot, options: options(facts), base: base, baseName: "base.yaml", outputName: "learned.yaml")
        let diags = profileLoader.check(yaml: out.yaml, file: "/tmp/merged.yaml")
        #expect(diags.filter { $0.severity == .error }.isEmpty, "\(diags)\n\(out.yaml)")
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/merged.yaml")
        let fs = p.environment.filesystem
        // Base entries are kept; a learned entry the base already covers is not repeated.
        #expect(fs.read.first == "/usr/lib/python3.11" && fs.deny == ["/home/tester/.ssh"])
        #expect(!fs.execute.contains("/usr/lib/python3.11") || true)
        #expect(!fs.read.contains("/home/tester/.venv/lib/python3.11"))
        #expect(fs.write == [ws])
        // The base's refusals win and are reported.
        #expect(!fs.read.contains("/home/tester/.ssh/id_ed25519"))
        let review = out.learned.annotations.review.joined(separator: "\n")
        #expect(review.contains("which the base profile denies (/home/tester/.ssh)"))
        #expect(review.contains("clone3, which the base profile refuses"))
        #expect(review.contains("tool read_file, which the base profile denies or hides"))
        #expect(review.contains("kubectl, which the base rule shell.commands denies"))
        let sc = p.environment.syscalls
        #expect(!sc.allow.contains("clone3") && sc.allow.contains("execve") && sc.allow.contains("rt_sigsuspend"))
        let m = try #require(p.mcp)
        #expect(m.tools.allow == ["shell_execute"] && m.tools.hide == ["read_file"])
        let c = try #require(m.commands.first)
        #expect(m.commands.count == 1)
        #expect(c.allow["git"]?.subcommands == ["status", "log"])
        #expect(c.allow["grep"] != nil && c.allow["kubectl"] == nil && c.deny == ["kubectl"])
        // The diff shows the additions, and nothing of the base as removed.
        let diff = try #require(out.diff)
        #expect(diff.hasPrefix("--- base.yaml\n+++ learned.yaml\n@@ "))
        #expect(diff.contains("+        grep: {}"))
        #expect(diff.contains("+      - \"${WORKSPACE}\""))
        #expect(!diff.split(separator: "\n").contains { $0.hasPrefix("-") && !$0.hasPrefix("---") && !$0.contains("git:") && !$0.contains("network") && !$0.contains("socket_families") })
    }

    @Test func mergingNothingNewGivesAnEmptyDiff() throws {
        let base = try profileLoader.load(yaml: Self.base, file: "/tmp/base.yaml")
        let o = Observation()
        o.record(syscallEvent("read", []))
        var opts = options(TreeFacts(files: []))
        opts.untrappedSyscalls = ["read", "write"]
        let out = ProfileWriter.write(o.snapshot, options: opts, base: base)
        // Only what every profile needs is added: the server's working directory, its own execve and exit.
        let added = (out.diff ?? "").split(separator: "\n").filter { $0.hasPrefix("+") && !$0.hasPrefix("+++") }
        #expect(added == ["+      - \"${WORKSPACE}\"", "+      - execve", "+      - exit_group"], "\(out.diff ?? "")")
    }

    @Test func renderingAProfileAndLoadingItBackGivesTheSameProfile() throws {
        let text = """
        version: 1
        best_effort: true
        environment:
          namespaces: [user, mount, pid, ipc, uts, cgroup, net]
          filesystem:
            read: ["${HOME}/.kube/config"]
            execute: [/usr/bin]
            write: ["${WORKSPACE}"]
            deny: ["${WORKSPACE}/.env"]
            tmp: none
            dev: none
            proc: false
            runtime: off
          network: { allow: ["api.example.com:443", "[::1]:9000"] }
          env: { keep: [PATH, HOME], set: { A: "b c" } }
          limits: { nofile: 64, nproc: 32, as: 4GiB, fsize: 1GiB, cpu: 600, core: 0, stack: 8MiB }
          root_maps_to: 1000
          syscalls:
            default: deny
            errno: EACCES
            allow: ["@system-service"]
            deny: [ptrace, { name: mount, errno: EPERM }]
            kill: [kexec_load]
            rules:
              - { id: no-tiocsti, syscall: ioctl, action: deny, args: [{ index: 1, op: masked_eq, mask: 0xffffffff, value: TIOCSTI }] }
            socket_families: [unix, inet]
            allow_namespaces: true
            allow_io_uring: true
            report: false
        mcp:
          max_line: 1MiB
          tools: { default: allow, deny: [rm], hide: [secret] }
          conditions:
            - id: small
              tools: [shell_execute]
              require: [{ arg: timeout, lte: 60 }]
              deny_if: [{ arg: directory, glob: "/etc/**" }, { arg: mode, in: ["a", 1, true] }]
          commands:
            - id: c
              tools: [shell_execute]
              argument: command
              form: shell
              allow: { git: { subcommands: [status], deny_options: [--output], arguments: ["*.c"] }, ls: {} }
              deny: [rm]
              shell: { redirections: true, globs: false }
              builtin_dangerous: false
          paths:
            - { id: p, tools: ["*"], fields: [path], allow: ["${WORKSPACE}/**"], deny: ["**/.env"], write_tools: [write_file], writable: false }
          kubernetes:
            - { id: k, tools: ["*"], namespaces: [dev, "team-*"], cluster_scoped: true, verbs: [get], default_namespace: dev }
          rate_limits:
            - { id: g, count: 120, per: minute }
            - { id: s, tools: [shell_execute], count: 5, per: second }
          roots: off
        audit:
          level: all
        """
        let p = try profileLoader.load(yaml: text, file: "/tmp/full.yaml")
        let r = ProfileRenderer(workspace: ws, home: home)
        let rendered = r.render(p)
        let q = try profileLoader.load(yaml: rendered, file: "/tmp/rendered.yaml")
        #expect(r.render(q) == rendered, "\(rendered)")
        #expect(q.bestEffort && q.environment.filesystem.deny == [ws + "/.env"] && !q.environment.filesystem.runtime)
        #expect(q.environment.limits.addressSpace == 4 << 30 && q.environment.rootMapsTo == 1000)
        #expect(q.environment.syscalls.allow == p.environment.syscalls.allow)
        #expect(q.environment.syscalls.rules.count == p.environment.syscalls.rules.count)
        #expect(rendered.contains("\"@system-service\""))
        #expect(q.mcp?.commands.first?.allow["git"]?.argumentPatterns == ["*.c"])
        #expect(q.mcp?.conditions.first?.denyIf.count == 2)
        #expect(q.mcp?.rateLimits.map(\.perSeconds) == [60, 1])
        #expect(q.audit.level == .all && q.mcp?.checkRoots == false)
    }
}

@Suite struct LineDiffTests {
    @Test func unifiedHunksWithContext() {
        let old = (1...20).map { "line \($0)" }.joined(separator: "\n")
        var lines = (1...20).map { "line \($0)" }
        lines.insert("added A", at: 2)
        lines.insert("added B", at: 18)
        let d = LineDiff.unified(old: old, new: lines.joined(separator: "\n"), oldName: "a", newName: "b")
        #expect(d == """
        --- a
        +++ b
        @@ -1,5 +1,6 @@
         line 1
         line 2
        +added A
         line 3
         line 4
         line 5
        @@ -15,6 +16,7 @@
         line 15
         line 16
         line 17
        +added B
         line 18
         line 19
         line 20

        """)
        #expect(LineDiff.unified(old: old, new: old, oldName: "a", newName: "b") == "")
    }
}

@Suite struct LiteralTests {
    @Test func dollarSignsInLearnedValuesSurviveTheLoader() throws {
        var p = Profile()
        p.environment.filesystem.read = ["/opt/we$ird/${HOME}", ws + "/a$b"]
        p.environment.env.set = ["PRICE": "$5 ${x}"]
        let r = ProfileRenderer(workspace: ws, home: home)
        let q = try profileLoader.load(yaml: r.render(p), file: "/tmp/literal.yaml")
        #expect(q.environment.filesystem.read == ["/opt/we$ird/${HOME}", ws + "/a$b"])
        #expect(q.environment.env.set["PRICE"] == "$5 ${x}")
    }
}

@Suite struct KubernetesMergeTests {
    @Test func theBaseKeepsItsNamespacesAndClusterScope() throws {
        let base = try profileLoader.load(yaml: """
        version: 1
        mcp:
          tools: { default: allow }
          kubernetes:
            - { id: k8s, tools: ["*"], namespaces: [dev] }
        """, file: "/tmp/base.yaml")
        let o = Observation()
        for (i, (tool, args)) in [("pods_list_in_namespace", #"{"namespace":"staging"}"#), ("pods_list", "{}"), ("nodes_top", "{}"),
                                  ("pods_delete", #"{"namespace":"dev","name":"web"}"#)].enumerated() {
            o.recordToolCall(name: tool, arguments: try JSONParser.parse(args), requestID: String(i))
        }
        let out = ProfileWriter.write(o.snapshot, options: options(TreeFacts(files: [])), base: base)
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/merged.yaml")
        let k = try #require(p.mcp?.kubernetes.first)
        #expect(p.mcp?.kubernetes.count == 1 && k.id == "k8s")
        #expect(k.namespaces == ["dev", "staging"] && !k.allowClusterScoped)
        let review = out.learned.annotations.review.joined(separator: "\n")
        #expect(review.contains("all namespaces, which the base rule k8s does not allow"))
        #expect(review.contains("cluster-scoped resources, which the base rule k8s refuses"))
        #expect(review.contains("verbs delete, which the base rule k8s does not allow") && k.verbs?.contains("delete") == false)
    }
}

@Suite struct ShellSwitchMergeTests {
    @Test func theBaseKeepsItsShellSwitches() throws {
        let base = try profileLoader.load(yaml: """
        version: 1
        mcp:
          commands:
            - { id: sh, tools: [run], argument: cmd, allow: { ls: {}, grep: {} }, shell: { pipes: false } }
        """, file: "/tmp/base.yaml")
        let o = Observation()
        o.recordToolCall(name: "run", arguments: try JSONParser.parse(#"{"cmd":"ls | grep x > out"}"#), requestID: "1")
        let out = ProfileWriter.write(o.snapshot, options: options(TreeFacts(files: [])), base: base)
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/merged.yaml")
        let rule = try #require(p.mcp?.commands.first)
        #expect(!rule.shell.pipes && !rule.shell.redirections)
        #expect(out.learned.annotations.review.contains { $0.contains("shell redirections, pipes, which the base rule sh does not allow") })
    }
}

@Suite struct SyscallSwitchMergeTests {
    @Test func theBaseKeepsItsSyscallSwitches() throws {
        let base = try profileLoader.load(yaml: "version: 1\nenvironment:\n  syscalls:\n    allow: [read]\n", file: "/tmp/base.yaml")
        let o = Observation()
        o.record(syscallEvent("setns", [("fd", "3"), ("nstype", "CLONE_NEWNET")]))
        o.record(syscallEvent("io_uring_setup", [("entries", "8")]))
        o.record(syscallEvent("unshare", [("flags", "CLONE_NEWUSER")]))
        let out = ProfileWriter.write(o.snapshot, options: options(TreeFacts(files: [])), base: base)
        // Loads (no "allowed but can never take effect" error) and the switches stayed off.
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/merged.yaml")
        let sc = p.environment.syscalls
        #expect(!sc.allowNamespaceCreation && !sc.allowIOUring)
        #expect(!sc.allow.contains("setns") && !sc.allow.contains("io_uring_setup"))
        let review = out.learned.annotations.review.joined(separator: "\n")
        #expect(review.contains("allow_namespaces: false") && review.contains("allow_io_uring: false"))
        // Without a base, the same run switches them on (and says so).
        let alone = ProfileWriter.write(o.snapshot, options: options(TreeFacts(files: [])))
        let q = try profileLoader.load(yaml: alone.yaml, file: "/tmp/alone.yaml")
        #expect(q.environment.syscalls.allowNamespaceCreation && q.environment.syscalls.allowIOUring)
        #expect(q.environment.syscalls.allow.contains("setns"))
    }
}
