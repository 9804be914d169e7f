// The command rule against what an attacker sends a shell-exec tool: each case says what the payload tries
// and asserts the rule refuses it, with a reason that names the command, the option and the rule.

import Testing
import ContainProfile
import ContainRuleKit
@testable import ContainShellRules

private func makeRule(_ allow: [String: CommandSpec], deny: [String] = [], shell: ShellAllowances = ShellAllowances(),
                      builtin: Bool = true) -> CommandRuleEvaluator {
    var r = CommandRule(id: "shell.commands", tools: ["shell_execute"], argument: "command")
    r.allow = allow
    r.deny = deny
    r.shell = shell
    r.builtinDangerous = builtin
    return CommandRuleEvaluator(rule: r)
}

/// The read-mostly allowlist the shipped profile uses.
private let readMostly: [String: CommandSpec] = {
    var a: [String: CommandSpec] = [:]
    for c in ["ls", "cat", "head", "tail", "wc", "grep", "find", "echo", "pwd", "sort", "uniq", "cut", "diff", "stat",
              "file", "awk", "sed", "tar", "xargs", "env", "python3", "bash", "less", "test", "[", "printf", "rsync",
              "zip", "timeout", "nice", "true"] {
        a[c] = CommandSpec()
    }
    a["git"] = CommandSpec(subcommands: ["status", "log", "diff", "show"])
    return a
}()

private let evaluator = makeRule(readMostly, deny: ["rm"])

private func argv(_ a: [String], _ e: CommandRuleEvaluator = evaluator) -> CommandRuleEvaluator.Outcome { e.check(argv: a) }
private func sh(_ s: String, _ e: CommandRuleEvaluator = evaluator) -> CommandRuleEvaluator.Outcome { e.check(shell: s) }

private func reason(_ o: CommandRuleEvaluator.Outcome) -> String {
    if case .denied(let r, _) = o { return r }
    return "(allowed)"
}

// MARK: allowed calls still work

@Test(arguments: [
    ["ls", "-la"], ["cat", "README.md"], ["git", "status"], ["git", "log", "--oneline", "-5"], ["git", "-C", "sub", "diff"],
    ["grep", "-rn", "TODO", "."], ["find", ".", "-name", "*.swift"], ["sort", "-u", "x"], ["uniq", "-c", "x"],
    ["ls", "|", "wc", "-l"], ["wc", "-l", "<", "x"].dropLast(2) + ["x"], ["sed", "-n", "s/a/b/gp", "f"],
    ["awk", "-F:", "{print $1}", "/etc/passwd"], ["tar", "-tzf", "x.tgz"], ["python3", "--version"],
    ["/usr/bin/ls", "-l"], ["/bin/cat", "x"], ["echo", "a;b", "$(rm -rf x)"], ["test", "-f", "x"],
])
func allowedArgv(_ a: [String]) {
    #expect(argv(a).isAllowed, "\(a): \(reason(argv(a)))")
}

@Test(arguments: [
    "ls -la", "ls | wc -l", "git log --oneline | head -5", "cat 'my file.txt'", "grep -rn 'a|b' src",
    "find . -name '*.swift' -type f", "ls; pwd", "ls && pwd || echo no", "ls ./*.txt", "echo 'rm -rf /'",
    "sed -e 's/x/y/' -e '/^#/d' f", "awk 'NR < 3 {print}' f", "'l''s'", #"l\s"#,
    "ls # trailing comment", "ls\n", "git show HEAD:README.md", "git diff HEAD~1 -- src",
])
func allowedShell(_ s: String) {
    #expect(sh(s).isAllowed, "\(s): \(reason(sh(s)))")
}

// MARK: command names

@Test func commandNotInTheAllowlistIsNamed() {
    #expect(reason(argv(["shred", "x"])).hasPrefix("\"shred\" is not an allowed command"))
    #expect(reason(argv(["rm", "-rf", "x"])).hasPrefix("\"rm\" is not an allowed command (denied by this rule)"))
    #expect(reason(sh("ls; shred x")).contains("\"shred\" is not an allowed command"))
    // The parsed command line is part of the reason.
    #expect(reason(sh("ls; shred x")).contains("command: ls ; shred x"))
}

@Test func pathSpellingsOfNames() {
    // The attacker runs a binary of their own that is named like an allowed one.
    #expect(!argv(["./ls"]).isAllowed)
    #expect(!argv(["/tmp/x/ls"]).isAllowed)
    #expect(reason(argv(["/tmp/x/ls"])).contains("only /usr/bin"))
    #expect(!argv(["../bin/ls"]).isAllowed)
    #expect(!argv(["/usr/bin/../../tmp/ls"]).isAllowed)
    #expect(!argv(["bin/ls"]).isAllowed)
    // A version-suffixed interpreter is a different name.
    #expect(reason(argv(["python3.11", "-c", "x"])).contains("\"python3.11\" is not an allowed command"))
    // Absolute paths in standard directories are the same command, with the same rules.
    #expect(argv(["/usr/bin/ls"]).isAllowed)
    #expect(argv(["//usr//bin//ls"]).isAllowed)
    #expect(!argv(["/usr/bin/rm", "x"]).isAllowed)
    #expect(reason(argv(["/usr/bin/bash", "-c", "id"])).contains("runs code"))
    #expect(reason(argv(["/usr/local/bin/find", ".", "-delete"])).contains("find option -delete"))
}

@Test func absolutePathKeysMatchExactly() {
    let e = makeRule(["/opt/tools/bin/report": CommandSpec()])
    #expect(argv(["/opt/tools/bin/report"], e).isAllowed)
    #expect(!argv(["report"], e).isAllowed)
    #expect(!argv(["/tmp/report"], e).isAllowed)
}

@Test func denyWinsOverAllow() {
    let e = makeRule(["rm": CommandSpec()], deny: ["rm"])
    #expect(reason(argv(["rm", "x"], e)).contains("denied"))
    #expect(!argv(["/opt/x/rm"], e).isAllowed)
}

// MARK: argument shapes

@Test func malformedArgumentsAreRefused() {
    func call(_ v: JSONValue?) -> CommandRuleEvaluator.Outcome {
        evaluator.check(arguments: .object(v.map { [("command", $0)] } ?? [("other", .string("ls"))]))
    }
    #expect(reason(call(nil)).contains("missing"))
    #expect(!call(.number("1")).isAllowed)
    #expect(!call(.null).isAllowed)
    #expect(!call(.bool(true)).isAllowed)
    #expect(!call(.object([("a", .string("ls"))])).isAllowed)
    #expect(!call(.array([.array([.string("ls")])])).isAllowed)
    #expect(!call(.array([.string("ls"), .number("1")])).isAllowed)
    #expect(!call(.array([])).isAllowed)
    #expect(!call(.string("")).isAllowed)
    #expect(!call(.string("   \n")).isAllowed)
    #expect(call(.array([.string("ls")])).isAllowed)
    #expect(call(.string("ls")).isAllowed)
    #expect(!evaluator.check(arguments: .array([.string("ls")])).isAllowed)
}

@Test func formIsEnforcedWhenSet() {
    var r = CommandRule(id: "x", tools: ["*"], argument: "command")
    r.allow = ["ls": CommandSpec()]
    r.form = .argv
    #expect(!CommandRuleEvaluator(rule: r).check(arguments: .object([("command", .string("ls"))])).isAllowed)
    r.form = .shell
    #expect(!CommandRuleEvaluator(rule: r).check(arguments: .object([("command", .array([.string("ls")]))])).isAllowed)
}

@Test func evaluateReportsTheRuleID() {
    let call = ToolCall(name: "shell_execute", arguments: .object([("command", .array([.string("rm"), .string("x")]))]), requestID: "1")
    let v = evaluator.evaluate(call, context: RuleContext(workingDirectory: "/w", home: "/h"))
    guard case .deny(let rule, let why) = v else { Issue.record("allowed"); return }
    #expect(rule == "shell.commands")
    #expect(why.contains("\"rm\""))
    #expect(evaluator.applies(to: "shell_execute"))
    #expect(!evaluator.applies(to: "read_file"))
}

// MARK: argv operators (mcp-shell-server semantics)

@Test func argvOperatorsStartNewCommands() {
    // The attacker hides a second command behind an allowed first one.
    #expect(reason(argv(["ls", "|", "shred", "x"])).contains("\"shred\""))
    #expect(reason(argv(["ls", ";", "shred", "x"])).contains("\"shred\""))
    #expect(reason(argv(["ls", "&&", "shred", "x"])).contains("\"shred\""))
    #expect(reason(argv(["ls", "||", "shred", "x"])).contains("\"shred\""))
    #expect(!argv(["ls", "|"]).isAllowed)
    #expect(!argv(["|", "ls"]).isAllowed)
    #expect(!argv(["", "rm", "x"]).isAllowed)
    // A redirection element writes a file.
    #expect(reason(argv(["echo", "x", ">", "f"])).contains("redirections not allowed"))
    #expect(reason(argv(["cat", "<", "/etc/shadow"])).contains("redirections not allowed"))
    var allowRedirect = ShellAllowances(); allowRedirect.redirections = true
    #expect(argv(["echo", "x", ">", "f"], makeRule(readMostly, shell: allowRedirect)).isAllowed)
    #expect(!argv(["echo", ">"], makeRule(readMostly, shell: allowRedirect)).isAllowed)
    var noPipes = ShellAllowances(); noPipes.pipes = false
    #expect(reason(argv(["ls", "|", "wc"], makeRule(readMostly, shell: noPipes))).contains("shell.pipes"))
}

// MARK: shell constructs

@Test(arguments: [
    ("echo $(shred x)", "substitutions"), ("echo `id`", "substitutions"), ("cat <(id)", "substitutions"),
    ("ls > f", "redirections"), ("ls 2>&1", "redirections"), ("cat <<EOF\nx\nEOF", "heredocs"), ("cat <<< x", "heredocs"),
    ("(ls)", "subshells"), ("{ ls; }", "subshells"), ("A=1 ls", "assignments"), ("echo $HOME", "expansions"),
    ("echo ~", "expansions"), ("echo $((1+1))", "expansions"), ("ls &", "background"), ("{ls,-la}", "never"),
    ("echo $((x))", "expansions"),
])
func constructsAreRefusedByDefault(_ c: (String, String)) {
    #expect(reason(sh(c.0)).contains("shell.\(c.1)"), "\(c.0): \(reason(sh(c.0)))")
}

@Test func allowedConstructsStillCheckEveryCommand() {
    var all = ShellAllowances()
    all.substitutions = true; all.subshells = true; all.redirections = true; all.heredocs = true; all.background = true
    let e = makeRule(readMostly, shell: all)
    #expect(sh("echo $(ls)", e).isAllowed)
    #expect(reason(sh("echo $(shred x)", e)).contains("\"shred\""))
    #expect(reason(sh("echo `shred x`", e)).contains("\"shred\""))
    #expect(sh(#"echo "$(echo rm)""#, e).isAllowed)
    #expect(reason(sh("(ls; shred x)", e)).contains("\"shred\""))
    #expect(reason(sh("{ ls; shred x; }", e)).contains("\"shred\""))
    #expect(reason(sh("cat <(shred x)", e)).contains("\"shred\""))
    #expect(reason(sh("cat <<EOF\n$(shred x)\nEOF", e)).contains("\"shred\""))
    #expect(sh("cat <<'EOF'\n$(shred x)\nEOF", e).isAllowed)
    #expect(reason(sh("ls & shred x", e)).contains("\"shred\""))
    // The command name produced by a substitution cannot be known.
    #expect(reason(sh("$(echo ls)", e)).contains("not known before the shell runs"))
    #expect(reason(sh("ls > $(echo f)", e)).contains("redirection target"))
    #expect(sh("ls 2>&1 >/dev/null", e).isAllowed)
}

@Test func globsThatCouldBecomeOptionsAreRefused() {
    // `touch -- -delete; find . *` or `tar cf x.tar *` with a file named --checkpoint-action=exec=sh
    #expect(reason(sh("tar cf x.tar *")).contains("could expand to an option"))
    #expect(reason(sh("ls ?")).contains("could expand to an option"))
    #expect(reason(sh("ls [-]*")).contains("could expand to an option"))
    #expect(sh("ls ./*").isAllowed)
    #expect(sh("ls src/*.swift").isAllowed)
    #expect(reason(sh("/usr/bin/r?")).contains("not known before the shell runs"))
    var noGlobs = ShellAllowances(); noGlobs.globs = false
    #expect(reason(sh("ls ./*", makeRule(readMostly, shell: noGlobs))).contains("shell.globs"))
}

@Test func dynamicArgumentsOfCheckedCommandsAreRefused() {
    var all = ShellAllowances(); all.expansions = true
    let e = makeRule(readMostly, shell: all)
    // find . $X with X=-delete
    #expect(reason(sh("find . $X", e)).contains("not known before the shell runs"))
    #expect(reason(sh("find . \"$X\"", e)).contains("not known before the shell runs"))
    let lax = makeRule(["echo": CommandSpec()], shell: all, builtin: false)
    #expect(sh("echo $HOME", lax).isAllowed)
}

// MARK: environment injection

@Test(arguments: ["PATH=/tmp ls", "LD_PRELOAD=/tmp/x.so ls", "GIT_SSH_COMMAND=id git status", "PAGER=id git log",
                  "BASH_ENV=/tmp/x bash", "ENV=/tmp/x ls", "NODE_OPTIONS=--require=/tmp/x ls", "PERL5OPT=-Mx ls",
                  "PYTHONSTARTUP=/tmp/x ls", "PYTHONPATH=/tmp ls", "IFS=/ ls", "LD_LIBRARY_PATH=/tmp ls", "PATH=/tmp",
                  "GIT_CONFIG_PARAMETERS=x ls", "TAR_OPTIONS=--to-command=id tar -tf x", "LESSOPEN=|id ls",
                  "EDITOR=id ls", "HOME=/tmp git status", "XDG_CONFIG_HOME=/tmp git status", "MY_PATH=/x ls"])
func environmentInjectionIsRefusedEvenWhenAssignmentsAreAllowed(_ s: String) {
    var all = ShellAllowances(); all.assignments = true
    let e = makeRule(readMostly, shell: all, builtin: false)
    #expect(reason(sh(s, e)).contains("environment injection"), "\(s): \(reason(sh(s, e)))")
}

@Test func harmlessAssignmentsWhenAllowed() {
    var all = ShellAllowances(); all.assignments = true
    let e = makeRule(readMostly, shell: all)
    #expect(sh("TZ=UTC ls", e).isAllowed)
    #expect(sh("COLUMNS=80 ls", e).isAllowed)
}

// MARK: built-in dangerous knowledge

@Test(arguments: [
    (["find", ".", "-exec", "sh", "-c", "id", ";"], "find option -exec runs commands"),
    (["find", ".", "-execdir", "id", ";"], "find option -execdir"),
    (["find", ".", "-ok", "id", ";"], "find option -ok"),
    (["find", ".", "-okdir", "id", ";"], "find option -okdir"),
    (["find", ".", "-delete"], "find option -delete deletes files"),
    (["find", ".", "-fprint", "/tmp/x"], "find option -fprint writes"),
    (["find", ".", "-fprintf", "/tmp/x", "%p"], "find option -fprintf"),
    (["find", ".", "-fls", "/tmp/x"], "find option -fls"),
    (["git", "-c", "core.pager=id", "log"], "git option -c"),
    (["git", "-ccore.pager=id", "log"], "git option -c"),
    (["git", "--config-env=core.pager=X", "log"], "git option --config-env"),
    (["git", "--exec-path=/tmp", "status"], "git option --exec-path"),
    (["git", "--git-dir=/tmp/evil", "status"], "git option --git-dir"),
    (["git", "-p", "log"], "git option -p"),
    (["git", "config", "core.pager", "id"], "git config"),
    (["git", "lg"], "not a git builtin"),
    (["git", "status", "--upload-pack=id"], "git option --upload-pack"),
    (["git", "log", "--output=/tmp/x"], "git option --output"),
    (["git", "log", "--out=/tmp/x"], "git option --output"),
    (["git", "diff", "--no-index", "/etc/passwd", "x"], "git option --no-index"),
    (["git", "diff", "--ext-diff"], "git option --ext-diff"),
    (["git", "show", "--ext-d"], "git option --ext-diff"),
    (["git", "log", "--exec=id"], "git option --exec"),
    (["git", "--unknown-global", "status"], "not known to contain"),
    (["git", "log", "ext::sh -c id"], "remote helper"),
    (["sed", "-i", "s/a/b/", "f"], "sed option -i"),
    (["sed", "-ni", "s/a/b/", "f"], "sed option -i"),
    (["sed", "--in-place=.bak", "s/a/b/", "f"], "sed option --in-place"),
    (["sed", "--in-pl", "s/a/b/", "f"], "sed option --in-place"),
    (["sed", "-f", "script.sed", "f"], "sed option -f"),
    (["sed", "1e id", "f"], "sed command e runs commands"),
    (["sed", "s/x/id/e", "f"], "s///e"),
    (["sed", "s/x/y/w /tmp/out", "f"], "s///w writes"),
    (["sed", "w /tmp/out", "f"], "sed command w writes"),
    (["sed", "-n", "/x/W /tmp/out", "f"], "sed command W writes"),
    (["sed", "-e", "p", "-e", "$e id", "f"], "sed command e"),
    (["sed", "--expression=1e id", "f"], "sed command e"),
    (["sed", "s|a|b|;e id", "f"], "sed command e"),
    (["sed", "y/abc/xyz/;w out", "f"], "sed command w"),
    (["sed", "s/a\\/b/c/e", "f"], "s///e"),
    (["sed", "{p;e id\n}", "f"], "sed command e"),
    (["sed", "/x/!e id", "f"], "sed command e"),
    (["sed", "0~3 e id", "f"], "sed command e"),
    (["sed", "s/a/b/ge", "f"], "s///e"),
    (["sed", "s/a/b/3w out", "f"], "s///w"),
    (["sed", "k", "f"], "not understood"),
    (["awk", "BEGIN{system(\"id\")}"], "awk program calls system()"),
    (["awk", "BEGIN{print | \"sh\"}"], "awk program uses a pipe"),
    (["awk", "BEGIN{\"id\" | getline x}"], "awk program uses a pipe"),
    (["awk", "{print > \"/tmp/x\"}", "f"], "awk program uses >"),
    (["awk", "-f", "prog.awk", "f"], "awk option -f"),
    (["awk", "--file=prog.awk", "f"], "awk option --file"),
    (["awk", "-e", "BEGIN{system(\"id\")}"], "system()"),
    (["awk", "--source=BEGIN{system(\"id\")}"], "system()"),
    (["gawk", "-lfilefuncs", "BEGIN{}"], "gawk option -l"),
    (["awk", "@load \"x\"; BEGIN{}"], "@ directives"),
    (["tar", "-cf", "x.tar", "--checkpoint=1", "--checkpoint-action=exec=id", "."], "tar option --checkpoint-action runs commands"),
    (["tar", "-xf", "x.tar", "--to-command=id"], "tar option --to-command"),
    (["tar", "-I", "id", "-xf", "x.tar"], "tar option -I"),
    (["tar", "--use-compress-program=id", "-xf", "x.tar"], "tar option --use-compress-program"),
    (["tar", "-cF", "id", "-f", "x.tar", "."], "tar option -F"),
    (["tar", "cvfI", "x.tar", "id", "."], "tar option I"),
    (["tar", "-tf", "host:x.tar"], "remote"),
    (["xargs", "rm"], "\"xargs\" runs another command"),
    (["env", "rm", "x"], "\"env\" runs another command"),
    (["timeout", "5", "rm", "x"], "\"rm\" is not an allowed command"),
    (["nice", "rm", "x"], "\"rm\" is not an allowed command"),
    (["bash", "-c", "id"], "\"bash\" runs code it is given (option -c)"),
    (["bash", "script.sh"], "script script.sh"),
    (["bash"], "code on stdin"),
    (["python3", "-c", "import os"], "\"python3\" runs code"),
    (["python3", "-m", "http.server"], "\"python3\" runs code"),
    (["python3", "--version", "-c", "x"], "runs code"),
    (["bash", "-v"], "runs code"),  // verbose, then reads the program from stdin
    (["bash", "-h"], "runs code"),
    (["python3", "-v"], "runs code"),
    (["less", "x"], "shell escape"),
    (["rsync", "-e", "sh -c id", "a", "b"], "rsync option -e"),
    (["rsync", "-avze", "id", "a", "b"], "rsync option -e"),
    (["rsync", "--rsh=id", "a", "b"], "rsync option --rsh"),
    (["rsync", "--rs=id", "a", "b"], "rsync option --rsh"),
    (["zip", "x.zip", "f", "-T", "-TT", "id"], "zip option -T"),
    (["zip", "x.zip", "f", "--unzip-command=id"], "zip option --unzip-command"),
    (["sort", "-o", "/tmp/x", "f"], "sort option -o writes"),
    (["sort", "-uo/tmp/x", "f"], "sort option -o"),
    (["sort", "--output=/tmp/x", "f"], "sort option --output"),
    (["sort", "--compress-program=id", "f"], "sort option --compress-program runs a program"),
    (["uniq", "in", "out"], "uniq with a second file operand writes it"),
    (["test", "-v", "a[$(id)]"], "test option -v"),
    (["[", "-v", "a[$(id)]", "]"], "option -v"),
    (["printf", "-v", "a[$(id)]", "x"], "printf option -v"),
])
func builtinKnowledgeRefuses(_ c: ([String], String)) {
    let e = makeRule(readMostly.merging(["gawk": CommandSpec()]) { a, _ in a })
    let r = reason(argv(c.0, e))
    #expect(r.contains(c.1), "\(c.0): \(r)")
    // The same payload as a shell string is refused too.
    let s = c.0.map { CommandLineRendering.quote($0) }.joined(separator: " ")
    #expect(!sh(s, e).isAllowed, "shell form of \(c.0)")
}

@Test func builtinKnowledgeCanBeTurnedOff() {
    let e = makeRule(readMostly, builtin: false)
    #expect(argv(["find", ".", "-delete"], e).isAllowed)
}

@Test func harmlessUsesOfDangerousCommandsPass() {
    #expect(argv(["find", ".", "-name", "-exec"]).isAllowed == false)  // over-approximation, documented
    #expect(argv(["sed", "s/exec/run/g", "f"]).isAllowed)
    #expect(argv(["sed", "-n", "/write/p", "f"]).isAllowed)
    #expect(argv(["sed", "-E", "s#a/b#c#", "f"]).isAllowed)
    #expect(argv(["sed", "a\\\nhello", "f"]).isAllowed)
    #expect(argv(["sed", "1i hello w world", "f"]).isAllowed)
    #expect(argv(["awk", "$3 < 100 || $1 == \"x\" {print $2}", "f"]).isAllowed)
    #expect(argv(["git", "log", "--no-ext-diff"]).isAllowed)
    #expect(argv(["git", "diff", "--output-indicator-new=+"]).isAllowed)
    #expect(argv(["git", "log", "-c"]).isAllowed)  // combined diff, not configuration
    #expect(argv(["git", "diff", "--cc"]).isAllowed)
    #expect(argv(["tar", "-tvzf", "x.tgz"]).isAllowed)
    #expect(argv(["uniq", "-f", "1", "in"]).isAllowed)
    #expect(argv(["sort", "-t:", "-k2", "f"]).isAllowed)
}

// MARK: per-command rules

@Test func subcommands() {
    #expect(argv(["git", "status"]).isAllowed)
    #expect(reason(argv(["git", "push"])).contains("git subcommand 'push' is not allowed"))
    #expect(reason(argv(["git", "-C", "x", "push"])).contains("'push'"))
    #expect(reason(argv(["git", "--no-pager", "commit"])).contains("'commit'"))
    let k = makeRule(["kubectl": CommandSpec(subcommands: ["get"])])
    #expect(argv(["kubectl", "get", "pods"], k).isAllowed)
    #expect(!argv(["kubectl", "delete", "pods"], k).isAllowed)
    #expect(reason(argv(["kubectl", "-n", "x", "delete"], k)).contains("options before the subcommand"))
}

@Test func deniedOptionsInEveryForm() {
    let e = makeRule(["curl": CommandSpec(denyOptions: ["--output", "-o", "-K"])], builtin: false)
    for a in [["--output", "f"], ["--output=f"], ["--out=f"], ["--o", "f"], ["-o", "f"], ["-of"], ["-so", "f"],
              ["-sLo", "f"], ["-K", "cfg"], ["-sK", "cfg"], ["-output", "f"], ["-out"]] {
        let r = reason(argv(["curl", "http://x"] + a, e))
        #expect(r.contains("curl option"), "\(a): \(r)")
        #expect(r.contains("is denied by this rule"))
    }
    #expect(argv(["curl", "-sS", "http://x"], e).isAllowed)
    #expect(argv(["curl", "--silent", "http://x"], e).isAllowed)
    #expect(argv(["curl", "--output-dir", "x"], e).isAllowed == true)  // a different, longer option
    let f = makeRule(["find": CommandSpec(denyOptions: ["-newer"])], builtin: false)
    #expect(!argv(["find", ".", "-newer", "x"], f).isAllowed)
    #expect(argv(["find", ".", "-n"], f).isAllowed)
}

@Test func argumentPatterns() {
    let e = makeRule(["cat": CommandSpec(argumentPatterns: ["*.md", "docs/*"])])
    #expect(argv(["cat", "README.md"], e).isAllowed)
    #expect(argv(["cat", "-n", "docs/x.txt"], e).isAllowed)
    #expect(reason(argv(["cat", "/etc/passwd"], e)).contains("matches none of the allowed patterns"))
    let g = makeRule(["git": CommandSpec(subcommands: ["log"], argumentPatterns: ["HEAD*"])])
    #expect(argv(["git", "log", "HEAD~3"], g).isAllowed)
    #expect(!argv(["git", "log", "main"], g).isAllowed)
}

@Test func parseRefusalsBecomeDenials() {
    #expect(reason(sh("echo 'x")).contains("unterminated single quote"))
    #expect(reason(sh("if true; then ls; fi")).contains("keyword 'if'"))
    #expect(reason(sh("ls \u{0}")).contains("NUL"))
    #expect(!argv(["ls", "a\u{0}b"]).isAllowed)
}

@Test func deniedOptionMatcher() {
    let long = DeniedOption.long("output")
    #expect(long.matches("--output") && long.matches("--output=x") && long.matches("--outp") && long.matches("-out"))
    #expect(!long.matches("--") && !long.matches("--outputs") && !long.matches("-o") && !long.matches("output"))
    let short = DeniedOption.short("x")
    #expect(short.matches("-x") && short.matches("-vx") && short.matches("-xvf") && !short.matches("--x") && !short.matches("x"))
    let word = DeniedOption.singleDashWord("exec")
    #expect(word.matches("-exec") && word.matches("--exec") && !word.matches("-execdir") && !word.matches("-e"))
}

@Test func allowedRedirectionsStayInTheWorkingDirectory() {
    var allow = ShellAllowances(); allow.redirections = true
    let e = makeRule(readMostly, shell: allow)
    let scope = CommandRuleEvaluator.RedirectionScope(root: "/work/ws", base: "/work/ws")
    #expect(e.check(shell: "echo x > out.txt", scope: scope).isAllowed)
    #expect(e.check(shell: "echo x > sub/../out.txt 2>/dev/null", scope: scope).isAllowed)
    #expect(e.check(shell: "echo x > /work/ws/out.txt", scope: scope).isAllowed)
    #expect(e.check(shell: "cat < /etc/hostname", scope: scope).isAllowed)  // reading is cat's business
    // The attacker writes outside the workspace through an allowed redirection.
    for s in ["echo x > ../out", "echo x >> /etc/cron.d/x", "echo x > /work/ws-evil/x", "ls &> /tmp/x",
              "ls >& /tmp/x", "echo x >| sub/../../x", "cat <> /tmp/x"] {
        #expect(reason(e.check(shell: s, scope: scope)).contains("writes outside the working directory"), "\(s)")
    }
    #expect(reason(e.check(argv: ["echo", "x", ">", "../x"], scope: scope)).contains("writes outside"))
    // mcp-shell-server's `directory` argument moves the base, not the root.
    let call = ToolCall(name: "shell_execute", arguments: .object([
        ("command", .array([.string("echo"), .string("x"), .string(">"), .string("x")])),
        ("directory", .string("/tmp")),
    ]), requestID: "1")
    #expect(e.evaluate(call, context: RuleContext(workingDirectory: "/work/ws", home: "/h")) != .allow)
}

@Test func stringsAlsoPassAsOneArgvWithoutAShell() {
    // A server that shlex-splits the string and execs it sees comments and operators as arguments.
    #expect(reason(sh("find . # -delete")).contains("find option -delete"))
    #expect(reason(sh("find . # -delete")).contains("read without a shell"))
    var allow = ShellAllowances(); allow.redirections = true
    #expect(reason(sh("find . > -delete", makeRule(readMostly, shell: allow))).contains("find option -delete"))
    #expect(sh("ls # list the files").isAllowed)
    #expect(sh("git log --oneline | head -5").isAllowed)
    // Without a shell the first word differs (`$\x6c\x73`, `ls;`, `TZ=UTC`): no such program exists to run.
    #expect(sh(#"$'\x6c\x73'"#).isAllowed)
    #expect(sh("ls; pwd").isAllowed)
    #expect(sh("l\\\ns").isAllowed)  // `ls` with a shell, `l<newline>s` without: nothing by that name
    #expect(NoShellSplit.split(#"a 'b c' "d \" e" f\ g #h"#) == ["a", "b c", #"d " e"#, "f g", "#h"])
    #expect(NoShellSplit.split("a 'b") == nil)
}

@Test func simpleWrappersAreUnwrappedAndTheirCommandChecked() {
    // timeout and nice are on the allowlist: what they run must be allowed too, with its own rules.
    #expect(argv(["timeout", "10", "grep", "-r", "x", "."]).isAllowed)
    #expect(argv(["timeout", "-s", "KILL", "--kill-after=2", "5", "ls"]).isAllowed)
    #expect(argv(["nice", "-n", "5", "git", "status"]).isAllowed)
    #expect(argv(["timeout", "5", "nice", "ls"]).isAllowed)
    #expect(reason(argv(["timeout", "5", "rm", "x"])).contains("\"rm\" is not an allowed command (denied by this rule) (run by timeout)"))
    #expect(reason(argv(["timeout", "5", "find", ".", "-delete"])).contains("find option -delete"))
    #expect(reason(argv(["nice", "git", "push"])).contains("'push'"))
    #expect(reason(argv(["timeout", "5", "bash", "-c", "id"])).contains("runs code"))
    #expect(reason(argv(["timeout", "5", "/tmp/x/ls"])).contains("not an allowed command"))
    // Unknown wrapper options, a missing command, and wrappers that are not allowed themselves are refused.
    #expect(reason(argv(["timeout", "--weird", "5", "ls"])).contains("not known to contain"))
    #expect(!argv(["timeout", "5"]).isAllowed)
    #expect(!argv(["nice", "-5", "ls"]).isAllowed)
    #expect(reason(argv(["nohup", "ls"])).contains("\"nohup\" is not an allowed command"))
    #expect(reason(argv(["env", "ls"])).contains("wrappers are refused"))
    #expect(reason(argv(["xargs", "ls"])).contains("wrappers are refused"))
    #expect(reason(argv(["timeout", "1", "timeout", "1", "timeout", "1", "timeout", "1", "timeout", "1", "ls"])).contains("too deep"))
    #expect(reason(sh("timeout 5 $(echo rm) x", makeRule(readMostly, shell: { var a = ShellAllowances(); a.substitutions = true; return a }()))).contains("not known before the shell runs"))
}
