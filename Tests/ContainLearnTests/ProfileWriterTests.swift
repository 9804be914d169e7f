import ContainAudit
@testable import ContainLearn
import ContainProfile
import ContainRuleKit
import Testing

/// A Python MCP server's learning run, as the listener and the proxy report it.
func pythonServerRun() throws -> (Observation, TreeFacts) {
    var files: [String] = []
    for i in 0..<40 { files.append("/usr/lib/python3.11/mod\(i).py") }
    files += ["/usr/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so",
              "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6",
              "/usr/bin/python3.11", "/usr/bin/ls", "/usr/bin/git",
              "/home/tester/.venv/pyvenv.cfg", "/home/tester/.venv/lib/python3.11/site-packages/mcp/server.py",
              "/home/tester/.venv/lib/python3.11/site-packages/anyio/x.py", "/home/tester/.venv/bin/mcp-shell-server",
              "/etc/passwd", "/etc/nsswitch.conf", "/etc/ld.so.cache", "/etc/localtime",
              "/usr/share/zoneinfo/UTC", "/opt/tool/share/a.dat",
              "/home/tester/project/README.md", "/home/tester/project/src/main.c",
              "/home/tester/.ssh/id_ed25519", "/home/tester/.cache/pip/x"]
    let facts = TreeFacts(files: files,
                          links: ["/lib64": "/usr/lib64", "/home/tester/.venv/bin/python": "/usr/bin/python3.11"],
                          elf: ["/usr/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so",
                                "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6"],
                          loaders: ["/usr/bin/ls": ["/lib64/ld-linux-x86-64.so.2"], "/usr/bin/python3.11": ["/lib64/ld-linux-x86-64.so.2"]],
                          dirs: ["/usr/lib64"])
    let o = Observation()
    for f in files where f.hasPrefix("/usr/lib/") || f.hasPrefix("/etc/") || f.hasPrefix("/usr/share") || f.hasPrefix("/opt") || f.contains(".venv/lib") || f.hasSuffix("pyvenv.cfg") {
        o.record(open(f))
    }
    o.record(syscallEvent("execve", [("path", "/home/tester/.venv/bin/python")]))
    o.record(syscallEvent("execve", [("path", "/usr/bin/ls")], exe: "/usr/bin/ls"))
    o.record(open("/home/tester/project/README.md"))
    o.record(open("/home/tester/project/notes.txt", "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC"))
    o.record(open("/home/tester/project", "O_RDONLY|O_DIRECTORY"))
    o.record(open("/home/tester/.ssh/id_ed25519"))
    o.record(open("/home/tester/.cache/pip/x", "O_WRONLY|O_CREAT"))
    o.record(open("/usr/lib/python3.11/__pycache__/mod1.cpython-311.pyc", "O_WRONLY|O_CREAT|O_EXCL"))
    o.record(open("/tmp/tmpabc", "O_RDWR|O_CREAT|O_EXCL"))
    o.record(open("/dev/null", "O_WRONLY"))
    o.record(open("/proc/self/status"))
    o.record(open("/nonexistent/config"))
    o.record(syscallEvent("newfstatat", [("path", "/home")]))
    o.record(syscallEvent("newfstatat", [("path", "/srv/data")]))
    for s in ["rt_sigsuspend", "rt_sigpending", "rt_sigtimedwait", "signalfd4", "signalfd", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack"] {
        o.record(syscallEvent(s, []))
    }
    o.record(syscallEvent("socket", [("family", "AF_UNIX"), ("type", "SOCK_STREAM")]))
    o.record(syscallEvent("connect", [("address", "10.1.2.3:443")]))
    o.record(syscallEvent("bind", [("address", "127.0.0.1:7000")]))
    o.record(syscallEvent("connect", [("address", "127.0.0.1:7000")]))
    o.record(syscallEvent("connect", [("address", "127.0.0.1:6443")]))
    o.record(syscallEvent("clone3", []))
    o.record(syscallEvent("ioctl", [("request", "TCGETS")]))
    for (i, cmd) in [#"["ls","-la"]"#, #"["git","status"]"#, #"["git","-C","/home/tester/project","log","-n","3"]"#,
                     #"["ls","|","grep","x"]"#, #"["kubectl","-n","dev","get","pods"]"#, #"["kubectl","get","ns"]"#].enumerated() {
        o.recordToolCall(name: "shell_execute", arguments: try JSONParser.parse(#"{"command":\#(cmd),"directory":"/home/tester/project"}"#),
                         requestID: String(i))
    }
    o.recordToolCall(name: "read_file", arguments: try JSONParser.parse(#"{"path":"src/main.c"}"#), requestID: "10")
    o.recordToolCall(name: "read_file", arguments: try JSONParser.parse(#"{"path":"/etc/hosts"}"#), requestID: "11")
    return (o, facts)
}

@Suite struct ProfileWriterTests {
    @Test func learnedProfilePassesCheckAndLoadsBack() throws {
        let (o, facts) = try pythonServerRun()
        let out = ProfileWriter.write(o.snapshot, options: options(facts, env: [("ALLOW_COMMANDS", "ls,git,grep,kubectl"), ("GITHUB_TOKEN", "x")]))
        let diags = profileLoader.check(yaml: out.yaml, file: "/tmp/learned.yaml")
        #expect(diags.filter { $0.severity == .error }.isEmpty, "\(diags)\n\(out.yaml)")
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/learned.yaml")
        let fs = p.environment.filesystem
        // Collapsed trees, never broader than the tree.
        #expect(fs.execute.contains("/usr/lib/python3.11"))
        #expect(fs.execute.contains("/usr/lib/x86_64-linux-gnu"))
        #expect(fs.read.contains("/usr/share/zoneinfo"))
        // A venv (the directory holding pyvenv.cfg) is one runtime root.
        #expect(fs.execute.contains("/home/tester/.venv"))
        #expect(fs.write == [ws])
        let all = fs.read + fs.execute + fs.write
        for broad in ["/", "/usr", "/usr/lib", "/etc", "/home", home, "/home/tester/.cache", "/opt"] {
            #expect(!all.contains(broad), "\(broad) in \(all)")
        }
        // Single files stay single files; the ELF loader the kernel opens inside execve is there.
        #expect(fs.read.contains("/etc/passwd") && fs.read.contains("/opt/tool/share/a.dat"))
        #expect(fs.execute.contains("/lib64") && fs.execute.contains("/usr/lib64"))
        #expect(fs.execute.contains("/usr/bin/ls") && fs.execute.contains("/usr/bin/python3.11"))
        // What the sandbox provides itself, what does not exist, and refused writes are not entries.
        #expect(!all.contains { $0.hasPrefix("/tmp") || $0.hasPrefix("/proc") || $0.hasPrefix("/dev") || $0.hasPrefix("/nonexistent") })
        #expect(!all.contains("/srv/data"))
        #expect(!fs.write.contains { $0.hasPrefix("/usr") || $0.contains(".cache") })
        // Variables are written back.
        #expect(out.yaml.contains("- \"${WORKSPACE}\""))
        #expect(out.yaml.contains("- \"${HOME}/.venv\""))
        #expect(!out.yaml.contains("/home/tester/"))
        // Network: what was reached, minus the sandbox's own listener.
        #expect(p.environment.network == .allow([NetworkDestination(host: "10.1.2.3", port: 443), NetworkDestination(host: "127.0.0.1", port: 6443)]))
        // Environment: values stored, secrets passed through instead.
        #expect(p.environment.env.set["ALLOW_COMMANDS"] == "ls,git,grep,kubectl")
        #expect(p.environment.env.keep.contains("GITHUB_TOKEN") && p.environment.env.set["GITHUB_TOKEN"] == nil)
    }

    @Test func syscallsUseGroupsOnlyWhenTheWholeGroupWasUsed() throws {
        let (o, facts) = try pythonServerRun()
        let out = ProfileWriter.write(o.snapshot, options: options(facts))
        #expect(out.yaml.contains("- \"@signal\""))
        #expect(!out.yaml.contains("\"@file-system\""))
        #expect(!out.yaml.contains("\"@system-service\""))
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/learned.yaml")
        let allow = Set(p.environment.syscalls.allow)
        for s in ["openat", "execve", "clone3", "ioctl", "connect", "socket", "read", "write", "futex", "rt_sigsuspend"] {
            #expect(allow.contains(s), "\(s)")
        }
        // Never seen, never allowed: contain's own setup calls among them.
        for s in ["pivot_root", "mount", "landlock_restrict_self", "seccomp", "ptrace", "unshare"] {
            #expect(!allow.contains(s), "\(s)")
        }
        #expect(p.environment.syscalls.socketFamilies == ["unix"])
        #expect(out.yaml.contains("# seen: 1 call (python3.11)"))
        #expect(out.yaml.contains("ioctl requests seen: TCGETS (1)"))
    }

    @Test func mcpSectionHasToolsCommandsPathsNamespaces() throws {
        let (o, facts) = try pythonServerRun()
        let out = ProfileWriter.write(o.snapshot, options: options(facts))
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/learned.yaml")
        let m = try #require(p.mcp)
        #expect(m.tools.defaultAction == .deny)
        #expect(m.tools.allow == ["read_file", "shell_execute"])
        let c = try #require(m.commands.first)
        #expect(c.tools == ["shell_execute"] && c.argument == "command" && c.form == .argv)
        #expect(Set(c.allow.keys) == ["ls", "git", "grep", "kubectl"])
        #expect(c.allow["git"]?.subcommands == ["log", "status"])
        #expect(c.allow["ls"]?.subcommands == nil)
        // kubectl ran with an option before its verb once, so its subcommands are not restricted.
        #expect(c.allow["kubectl"]?.subcommands == nil)
        #expect(c.shell.pipes && !c.shell.lists && !c.shell.redirections)
        let paths = m.paths.first { $0.tools == ["read_file"] }
        #expect(paths?.allow == ["/etc/hosts", ws + "/**"])
        let shellPaths = m.paths.first { $0.tools == ["shell_execute"] }
        #expect(shellPaths?.fields == ["directory"])
        #expect(shellPaths?.allow == [ws + "/**"])
        // Read the way the kubernetes rule reads kubectl: `get pods -n dev` lists pods in dev, `get ns` lists a
        // cluster-scoped resource, so the rule needs cluster_scoped (and the review says so).
        let k = try #require(m.kubernetes.first)
        #expect(k.namespaces == ["dev"])
        #expect(k.tools == ["shell_execute"])
        #expect(k.allowClusterScoped)
        #expect(k.verbs.map { !$0.isEmpty && $0.allSatisfy { ["get", "list"].contains($0) } } == true, "\(String(describing: k.verbs))")
        #expect(out.learned.annotations.review.contains { $0.contains("cluster-scoped resources (namespaces)") })
    }

    @Test func theLearnedCommandRuleAcceptsTheWorkloadAndNothingElse() throws {
        let (o, facts) = try pythonServerRun()
        let out = ProfileWriter.write(o.snapshot, options: options(facts))
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/learned.yaml")
        let rule = try #require(p.mcp?.commands.first)
        let e = ContainShellRulesBridge.evaluator(rule)
        #expect(e.check(argv: ["git", "status"]).isAllowed)
        #expect(e.check(argv: ["ls", "|", "grep", "x"]).isAllowed)
        // An action the learning run never did: refused.
        #expect(!e.check(argv: ["rm", "-rf", "/"]).isAllowed)
        #expect(!e.check(argv: ["git", "push"]).isAllowed)
        #expect(!e.check(argv: ["ls", ";", "id"]).isAllowed)
        #expect(!e.check(argv: ["ls", ">", "/etc/passwd"]).isAllowed)
    }

    @Test func reviewListNamesWhatToLookAt() throws {
        let (o, facts) = try pythonServerRun()
        let out = ProfileWriter.write(o.snapshot, options: options(facts))
        let review = out.learned.annotations.review.joined(separator: "\n")
        #expect(review.contains("wrote to \(ws): kept read-write"))
        #expect(review.contains("/home/tester/.ssh/id_ed25519"))
        #expect(review.contains("tried to write /home/tester/.cache/pip"))
        #expect(review.contains("tried to write /usr/lib/python3.11/__pycache__"))
        #expect(review.contains("learned as addresses"))
        #expect(out.report.contains("wrote to ${WORKSPACE}: kept read-write"))
        #expect(out.report.contains("tried to write ${HOME}/.cache/pip"))
        #expect(out.yaml.contains("# Review"))
        // The credential file is kept only as a single-file entry, never collapsed into its directory.
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/learned.yaml")
        #expect(!p.environment.filesystem.read.contains("/home/tester/.ssh"))
    }

    @Test func noToolCallsMeansNoTransportWall() throws {
        let o = Observation()
        o.record(syscallEvent("execve", [("path", "/bin/static")], exe: "/bin/static"))
        let out = ProfileWriter.write(o.snapshot, options: options(TreeFacts(files: ["/bin/static"])))
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/learned.yaml")
        #expect(p.mcp == nil)
        #expect(p.environment.network == .none)
        #expect(p.environment.filesystem.execute == ["/bin/static"])
        #expect(out.learned.annotations.review.contains { $0.contains("no tool calls were seen") })
    }
}

@Suite struct CollapseTests {
    let learner = FilesystemLearner(workspace: ws, home: home, facts: TreeFacts(files: []))

    func learn(_ files: [String: FileAccess], facts: TreeFacts) -> [String: FileAccess] {
        let l = FilesystemLearner(workspace: ws, home: home, facts: facts)
        let r = l.learn(files.mapValues { .init(access: $0, count: 1) })
        // The workspace is in every learned view (the server's working directory); these tests look at the rest.
        return Dictionary(uniqueKeysWithValues: r.entries.filter { $0.path != ws }.map { ($0.path, $0.access) })
    }

    @Test func onePackageTreeCollapsesToItsDeepestCommonDirectory() {
        let files = (0..<6).map { "/opt/app/lib/pkg/f\($0).dat" } + ["/opt/app/lib/pkg/sub/x.dat"]
        let got = learn(Dictionary(uniqueKeysWithValues: files.map { ($0, FileAccess.read) }), facts: TreeFacts(files: files))
        #expect(got == ["/opt/app/lib/pkg": .read])
    }

    @Test func aFewFilesStayFiles() {
        let files = ["/usr/share/misc/magic", "/usr/share/foo/a", "/usr/share/foo/b", "/etc/hosts", "/etc/passwd", "/etc/group", "/etc/resolv.conf"]
        let got = learn(Dictionary(uniqueKeysWithValues: files.map { ($0, FileAccess.read) }), facts: TreeFacts(files: files))
        #expect(got["/usr/share/foo/a"] == .read && got["/usr/share/foo"] == nil)
        // Four files directly in /etc: /etc is a top-level directory and is never collapsed into.
        #expect(got["/etc"] == nil && got["/etc/hosts"] == .read)
    }

    @Test func neverCollapsesIntoSharedRootsOrTheHomeDirectory() {
        var files: [String] = []
        for d in ["a", "b", "c", "d", "e"] { files.append("/usr/share/\(d)/file") }
        for d in [".config/x", ".local/y", ".npm/z", "docs"] { files.append("\(home)/\(d)/file") }
        let got = learn(Dictionary(uniqueKeysWithValues: files.map { ($0, FileAccess.read) }), facts: TreeFacts(files: files))
        for broad in ["/usr/share", "/usr", "/", home, "/home", home + "/.config", home + "/.local"] {
            #expect(got[broad] == nil, "\(broad)")
        }
        #expect(got.count == files.count)
    }

    @Test func interpreterRootsAreAlwaysWhole() {
        let files = ["/usr/local/lib/python3.12/json/__init__.py", "/usr/lib/node_modules/npm/index.js",
                     "/srv/app/node_modules/left-pad/index.js", "/usr/lib/x86_64-linux-gnu/libz.so.1"]
        let got = learn(Dictionary(uniqueKeysWithValues: files.map { ($0, FileAccess.read) }),
                        facts: TreeFacts(files: files, elf: ["/usr/lib/x86_64-linux-gnu/libz.so.1"]))
        #expect(got == ["/usr/local/lib/python3.12": .read, "/usr/lib/node_modules": .read,
                        "/srv/app/node_modules": .read, "/usr/lib/x86_64-linux-gnu": [.read, .execute]])
    }

    @Test func symlinkedPathsBringTheirTargets() {
        let facts = TreeFacts(files: ["/usr/lib64/ld-linux-x86-64.so.2", "/usr/bin/tool"], links: ["/lib64": "/usr/lib64", "/bin": "/usr/bin"])
        let got = learn(["/bin/tool": .execute], facts: facts)
        #expect(got["/bin/tool"] == [.read, .execute])
        #expect(got["/usr/bin/tool"] == [.read, .execute])
    }

    @Test func listingsOfNarrowDirectoriesAreKeptBroadOnesReviewed() {
        let facts = TreeFacts(files: ["/srv/data/x/a"], dirs: ["/srv/data/x", "/var/lib"])
        let l = FilesystemLearner(workspace: ws, home: home, facts: facts)
        let r = l.learn(["/srv/data/x": .init(access: .list, count: 1), "/var/lib": .init(access: .list, count: 1)])
        #expect(r.entries.map(\.path) == [ws, "/srv/data/x"])
        #expect(r.review.contains { $0.contains("/var/lib") })
    }
}

@Suite struct PathRuleTests {
    @Test func toolsWithTheSamePathsShareOneRule() throws {
        let o = Observation()
        o.recordToolCall(name: "read_file", arguments: try JSONParser.parse(#"{"path":"/home/tester/project/a.txt"}"#), requestID: "1")
        o.recordToolCall(name: "write_file", arguments: try JSONParser.parse(#"{"path":"/home/tester/project/b.txt","content":"x"}"#), requestID: "2")
        o.recordToolCall(name: "list_directory", arguments: try JSONParser.parse(#"{"path":"/home/tester/project"}"#), requestID: "3")
        o.recordToolCall(name: "move_file", arguments: try JSONParser.parse(#"{"source":"~/project/b.txt","destination":"/srv/x/c.txt"}"#), requestID: "4")
        let out = ProfileWriter.write(o.snapshot, options: options(TreeFacts(files: [])))
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/learned.yaml")
        let paths = try #require(p.mcp?.paths)
        #expect(paths.count == 2)
        #expect(paths[0].id == "learned.paths.1" && paths[0].tools == ["list_directory", "read_file", "write_file"])
        #expect(paths[0].allow == [ws + "/**"] && paths[0].fields.isEmpty)
        // `~` is the home directory; a path outside the workspace stays exact.
        #expect(paths[1].tools == ["move_file"] && paths[1].allow == [ws + "/**", "/srv/x/c.txt"])
        #expect(out.yaml.contains("- \"${WORKSPACE}/**\"   # seen: 3x"))
        // Content arguments are not paths and are not kept in the profile.
        #expect(!out.yaml.contains("content"))
    }
}

@Suite struct ShellStringTests {
    func learn(_ commands: [String]) throws -> (Profile, LearnOutput) {
        let o = Observation()
        for (i, c) in commands.enumerated() {
            o.recordToolCall(name: "run_command", arguments: .object([("cmd", .string(c))]), requestID: String(i))
        }
        let out = ProfileWriter.write(o.snapshot, options: options(TreeFacts(files: [])))
        let diags = profileLoader.check(yaml: out.yaml, file: "/tmp/learned.yaml").filter { $0.severity == .error }
        #expect(diags.isEmpty, "\(diags)\n\(out.yaml)")
        return (try profileLoader.load(yaml: out.yaml, file: "/tmp/learned.yaml"), out)
    }

    @Test func shellStringsAreParsedIntoCommandsAndConstructs() throws {
        let (p, out) = try learn(["ls -la | grep x && git log --oneline > out.txt", "kubectl get pods -n staging",
                                  "echo 'unterminated", "find . -name '*.c' -exec rm {} ';'"])
        let rule = try #require(p.mcp?.commands.first)
        #expect(rule.argument == "cmd" && rule.form == .shell)
        #expect(Set(rule.allow.keys) == ["ls", "grep", "git", "kubectl", "find"])
        #expect(rule.allow["git"]?.subcommands == ["log"] && rule.allow["kubectl"]?.subcommands == ["get"])
        #expect(rule.shell.pipes && rule.shell.lists && rule.shell.redirections)
        #expect(!rule.shell.substitutions && !rule.shell.subshells && !rule.shell.background)
        #expect(p.mcp?.kubernetes.first?.namespaces == ["staging"])
        let review = out.learned.annotations.review.joined(separator: "\n")
        #expect(review.contains("does not parse"))
        #expect(review.contains("run_command: commands used shell redirections"))
        // Learning does not switch off contain's built-in refusals; it says which learned line they still refuse.
        #expect(review.contains("still refused by contain's built-in rules") && review.contains("-exec"))
    }
}

@Suite struct DirectoryReadTests {
    @Test func aDirectoryOpenedForReadingIsAListingNotItsContents() {
        // kubectl looks for plugins by opening every PATH directory (O_RDONLY, no O_DIRECTORY).
        let facts = TreeFacts(files: ["/usr/bin/kubectl", "/usr/bin/ls", "/opt/tools/x/a"], links: ["/bin": "/usr/bin"], dirs: ["/usr/local/bin"])
        let l = FilesystemLearner(workspace: ws, home: home, facts: facts)
        let r = l.learn(["/usr/bin": .init(access: .read, count: 2), "/usr/local/bin": .init(access: .read, count: 1),
                         "/bin": .init(access: .read, count: 1),
                         "/opt/tools/x": .init(access: .read, count: 1), "/usr/bin/kubectl": .init(access: .execute, count: 1)])
        #expect(Set(r.entries.map(\.path)) == [ws, "/usr/bin/kubectl", "/opt/tools/x"])
        #expect(r.review.contains { $0.contains("/usr/local/bin") })
    }
}

@Suite struct ScaleTests {
    @Test func aLargeTreeIsCollapsedWithoutQuadraticWork() {
        // 40000 files in 2000 directories of one package tree outside every runtime root.
        var files: [String: ObservationSnapshot.FileRecord] = [:]
        var list: [String] = []
        for d in 0..<2000 {
            for f in 0..<20 {
                let p = "/srv/data/set\(d / 100)/d\(d)/f\(f).txt"
                files[p] = .init(access: .read, count: 1)
                list.append(p)
            }
        }
        let l = FilesystemLearner(workspace: ws, home: home, facts: TreeFacts(files: list))
        let r = l.learn(files)
        // Every directory held 20 files: each collapses, then the sets, then /srv/data (its two+ sub-trees).
        #expect(r.entries.map(\.path) == [ws, "/srv/data"])
        #expect(r.entries.first?.access == .read && r.entries.first?.note.contains("working directory") == true)
    }
}

@Suite struct WritableRootTests {
    @Test func aDirectoryMadeWritableForLearningIsKeptReadWriteAsNamed() throws {
        let cache = home + "/.cache/srv"
        let facts = TreeFacts(files: [cache + "/db/index", home + "/.cache/other/x"])
        let o = Observation()
        o.record(open(cache + "/db/index", "O_RDWR|O_CREAT"))
        o.record(open(cache + "/db/new.tmp", "O_WRONLY|O_CREAT|O_EXCL"))
        o.record(open(home + "/.cache/other/x", "O_WRONLY|O_CREAT"))
        var opts = options(facts)
        opts.writableRoots = [ws, cache]
        let out = ProfileWriter.write(o.snapshot, options: opts)
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/learned.yaml")
        #expect(p.environment.filesystem.write == [cache])
        #expect(out.yaml.contains("- \"${HOME}/.cache/srv\""))
        #expect(out.report.contains("wrote to ${HOME}/.cache/srv: kept read-write"))
        // Writes outside every writable directory still failed while learning and stay refused.
        #expect(out.report.contains("tried to write ${HOME}/.cache/other"))
    }
}

@Suite struct KubernetesToolTests {
    @Test func kubernetesServerToolsAreReadWithTheRulesSemantics() throws {
        let o = Observation()
        let calls = [("pods_list_in_namespace", #"{"namespace":"team-a"}"#), ("pods_get", #"{"namespace":"team-b","name":"web"}"#),
                     ("pods_list", "{}"), ("nodes_top", "{}"), ("kubectl_generic", #"{"command":"kubectl logs web -n team-a"}"#)]
        for (i, (tool, args)) in calls.enumerated() {
            o.recordToolCall(name: tool, arguments: try JSONParser.parse(args), requestID: String(i))
        }
        let out = ProfileWriter.write(o.snapshot, options: options(TreeFacts(files: [])))
        let p = try profileLoader.load(yaml: out.yaml, file: "/tmp/learned.yaml")
        let k = try #require(p.mcp?.kubernetes.first)
        #expect(k.tools == ["kubectl_generic", "nodes_top", "pods_get", "pods_list", "pods_list_in_namespace"])
        // pods_list without a namespace lists every namespace (kubernetes-mcp-server's semantics).
        #expect(k.namespaces == ["team-a", "team-b", "*"])
        #expect(k.allowClusterScoped)
        #expect(Set(k.verbs ?? []).isSuperset(of: ["list", "get", "logs", "top"]))
        let review = out.learned.annotations.review.joined(separator: "\n")
        #expect(review.contains("across all namespaces") && review.contains("cluster-scoped"))
    }
}
