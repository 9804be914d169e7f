// The parser table: each input with the simple commands (argv after quote removal) it must yield, the
// constructs it must report, or the refusal it must produce. Inputs an attacker would use to smuggle a
// command past a checker are marked "attack".

import Testing
@testable import ContainShellRules

struct ParseCase: CustomTestStringConvertible, Sendable {
    enum Expect: Sendable {
        /// argv of every simple command in source order; constructs that must be reported.
        case parse([[String]], ShellConstructs)
        /// The refusal reason must contain this text.
        case refuse(String)
    }
    let input: String
    let expect: Expect
    var testDescription: String { CommandLineRendering.quote(input) }
}

private func ok(_ input: String, _ argv: [[String]], _ has: ShellConstructs = []) -> ParseCase {
    ParseCase(input: input, expect: .parse(argv, has))
}
private func no(_ input: String, _ why: String) -> ParseCase { ParseCase(input: input, expect: .refuse(why)) }

let parserTable: [ParseCase] = [
    // plain words
    ok("ls", [["ls"]]),
    ok("ls -la /tmp", [["ls", "-la", "/tmp"]]),
    ok("  ls\t-l  ", [["ls", "-l"]]),
    ok("ls\n", [["ls"]]),
    ok("ls\n\n\n", [["ls"]]),
    ok("\n\nls", [["ls"]]),
    ok("echo héllo wörld ✓", [["echo", "héllo", "wörld", "✓"]]),
    ok("echo 日本語", [["echo", "日本語"]]),
    ok("cat file.txt", [["cat", "file.txt"]]),
    ok("echo a=b", [["echo", "a=b"]]),
    ok("echo --opt=value", [["echo", "--opt=value"]]),
    ok("echo a#b", [["echo", "a#b"]]),
    ok("echo !", [["echo", "!"]]),
    ok("echo %s", [["echo", "%s"]]),
    ok("echo {}", [["echo", "{}"]]),
    ok("echo a}", [["echo", "a}"]]),
    ok("echo $", [["echo", "$"]]),
    ok("echo a$", [["echo", "a$"]]),
    ok("echo $/x", [["echo", "$/x"]]),
    // quoting (attack: quote splicing must give the real name)
    ok("'l''s'", [["ls"]]),
    ok("l's'", [["ls"]]),
    ok(#"l\s"#, [["ls"]]),
    ok(#""l"s"#, [["ls"]]),
    ok(#""ls""#, [["ls"]]),
    ok(#"''ls"#, [["ls"]]),
    ok(#"r''m -rf x"#, [["rm", "-rf", "x"]]),
    ok(#"echo 'a b'"#, [["echo", "a b"]]),
    ok(#"echo "a b""#, [["echo", "a b"]]),
    ok(#"echo a\ b"#, [["echo", "a b"]]),
    ok(#"echo ''"#, [["echo", ""]]),
    ok(#"echo """#, [["echo", ""]]),
    ok(#"echo 'it'\''s'"#, [["echo", "it's"]]),
    ok(#"echo "a\"b""#, [["echo", #"a"b"#]]),
    ok(#"echo "a\\b""#, [["echo", #"a\b"#]]),
    ok(#"echo "a\nb""#, [["echo", #"a\nb"#]]),
    ok(#"echo "\$HOME""#, [["echo", "$HOME"]]),
    ok(#"echo "\`x\`""#, [["echo", "`x`"]]),
    ok(#"echo '$HOME'"#, [["echo", "$HOME"]]),
    ok(#"echo '`rm -rf x`'"#, [["echo", "`rm -rf x`"]]),
    ok(#"echo '$(rm -rf x)'"#, [["echo", "$(rm -rf x)"]]),
    ok(#"echo "a;b|c&d""#, [["echo", "a;b|c&d"]]),
    ok(#"echo a\;b"#, [["echo", "a;b"]]),
    ok(#"echo \|"#, [["echo", "|"]]),
    ok(#"echo \>x"#, [["echo", ">x"]]),
    no(#"echo \$(ls)"#, "unexpected '('"),
    ok("echo \\#x", [["echo", "#x"]]),
    ok("echo 'multi\nline'", [["echo", "multi\nline"]]),
    ok("echo \"multi\nline\"", [["echo", "multi\nline"]]),
    ok("echo 'a\"b'", [["echo", "a\"b"]]),
    ok("echo \"a'b\"", [["echo", "a'b"]]),
    // ANSI-C quoting
    ok(#"$'\x6c\x73'"#, [["ls"]], .ansiCQuoting),
    ok(#"$'\154\163'"#, [["ls"]], .ansiCQuoting),
    ok(#"$'\u006c\u0073'"#, [["ls"]], .ansiCQuoting),
    ok(#"echo $'a\nb'"#, [["echo", "a\nb"]]),
    ok(#"echo $'a\tb'"#, [["echo", "a\tb"]]),
    ok(#"echo $'\\'"#, [["echo", #"\"#]]),
    ok(#"echo $'\"'"#, [["echo", "\""]]),
    ok(#"echo $'\q'"#, [["echo", #"\q"#]]),
    ok(#"echo $'\e[0m'"#, [["echo", "\u{1b}[0m"]]),
    no(#"echo $'\U0001F600'"#, "depends on the locale"),
    no(#"echo $'\u00e9'"#, "depends on the locale"),
    ok(#"echo $'\cA'"#, [["echo", "\u{01}"]]),
    ok(#"echo "$'x'""#, [["echo", "$'x'"]]),
    no(#"echo $'\x00'"#, "NUL"),
    no(#"echo $'a\0b'"#, "NUL"),
    no(#"echo $'\c@'"#, "NUL"),
    no(#"echo $'it\'s'"#, "read differently"),
    no(#"echo $'\xff'"#, "invalid UTF-8"),
    no(#"echo $'abc"#, "unterminated $'"),
    no(#"echo $"x""#, "locale quoting"),
    // unterminated and malformed
    no("echo 'abc", "unterminated single quote"),
    no("echo \"abc", "unterminated double quote"),
    no("echo \"abc\\\"", "unterminated double quote"),
    no("echo abc\\", "trailing backslash"),
    no("echo `abc", "unterminated backquote"),
    no("echo $(ls", "missing ')'"),
    no("echo $((1+2)", "arithmetic"),
    no("ls \u{0}", "NUL"),
    no("l\u{0}s", "NUL"),
    no("ls )", "unexpected ')'"),
    no("(ls", "missing ')'"),
    no("ls |", "missing command"),
    no("| ls", "missing command"),
    no("ls &&", "missing command"),
    no("&& ls", "missing command"),
    no("ls ||", "missing command"),
    no("; ls", "missing command"),
    no("ls ;;", "';;'"),
    no("ls ;& x", "';;' or ';&'"),
    no("ls & & x", "missing command"),
    no("ls >", "missing target"),
    no("ls 2>", "missing target"),
    no("cat <", "missing target"),
    no("cat << ", "missing target"),
    no("echo ()", "function definitions"),
    no("echo a(b)", "unexpected '('"),
    // line continuation
    ok("ls \\\n-l", [["ls", "-l"]], .lineContinuation),
    ok("l\\\ns", [["ls"]], .lineContinuation),
    ok("r\\\nm -rf x", [["rm", "-rf", "x"]]),
    ok("echo \"a\\\nb\"", [["echo", "ab"]]),
    ok("echo 'a\\\nb'", [["echo", "a\\\nb"]]),
    // lists and pipes
    ok("ls; pwd", [["ls"], ["pwd"]], .lists),
    ok("ls;pwd", [["ls"], ["pwd"]], .lists),
    ok("ls;", [["ls"]], .lists),
    ok("ls && pwd", [["ls"], ["pwd"]], .lists),
    ok("ls || pwd", [["ls"], ["pwd"]], .lists),
    ok("ls&&pwd||echo x", [["ls"], ["pwd"], ["echo", "x"]], .lists),
    ok("ls\npwd", [["ls"], ["pwd"]], .lists),
    ok("ls &&\npwd", [["ls"], ["pwd"]], .lists),
    ok("ls | wc -l", [["ls"], ["wc", "-l"]], .pipes),
    ok("ls|wc", [["ls"], ["wc"]], .pipes),
    ok("ls |\n wc", [["ls"], ["wc"]], .pipes),
    ok("ls |& wc", [["ls"], ["wc"]], .pipes),
    ok("a | b | c | d", [["a"], ["b"], ["c"], ["d"]], .pipes),
    ok("ls &", [["ls"]], .background),
    ok("ls & pwd", [["ls"], ["pwd"]], [.background, .lists]),
    ok("ls&", [["ls"]], .background),
    // comments
    ok("ls # rm -rf x", [["ls"]], .comments),
    ok("# just a comment\nls", [["ls"]], .comments),
    ok("ls #; rm -rf x\npwd", [["ls"], ["pwd"]], .comments),
    ok("ls; # c", [["ls"]], .comments),
    // command substitution (attack: the inner command must be seen)
    ok("echo $(rm -rf x)", [["echo", "$(rm -rf x)"], ["rm", "-rf", "x"]], .commandSubstitution),
    ok(#""$(echo rm)""#, [["$(echo rm)"], ["echo", "rm"]], .commandSubstitution),
    ok("echo `rm -rf x`", [["echo", "`rm -rf x`"], ["rm", "-rf", "x"]], .commandSubstitution),
    ok(#"echo "`id`""#, [["echo", "`id`"], ["id"]], .commandSubstitution),
    ok("echo $(echo $(id))", [["echo", "$(echo $(id))"], ["echo", "$(id)"], ["id"]], .commandSubstitution),
    ok(#"echo `echo \`id\``"#, [["echo", #"`echo \`id\``"#], ["echo", "`id`"], ["id"]], .commandSubstitution),
    ok("echo $(ls; rm x)", [["echo", "$(ls; rm x)"], ["ls"], ["rm", "x"]], [.commandSubstitution, .lists]),
    ok("echo $(ls | grep a)", [["echo", "$(ls | grep a)"], ["ls"], ["grep", "a"]], [.commandSubstitution, .pipes]),
    ok("echo $( (id) )", [["echo", "$( (id) )"], ["id"]], [.commandSubstitution, .subshells]),
    ok("echo x$(id)y", [["echo", "x$(id)y"], ["id"]], .commandSubstitution),
    ok("$(echo rm) -rf x", [["$(echo rm)", "-rf", "x"], ["echo", "rm"]], .commandSubstitution),
    ok("echo \"$(printf ')')\"", [["echo", "$(printf ')')"], ["printf", ")"]], .commandSubstitution),
    no("echo $(case x in x) id;; esac)", "keyword 'case'"),
    no("echo $()", "empty command list"),
    no("echo `if true; then id; fi`", "keyword 'if'"),
    // process substitution
    ok("diff <(ls a) <(ls b)", [["diff", "<(ls a)", "<(ls b)"], ["ls", "a"], ["ls", "b"]], .processSubstitution),
    ok("tee >(rm x)", [["tee", ">(rm x)"], ["rm", "x"]], .processSubstitution),
    ok("cat a<(id)", [["cat", "a<(id)"], ["id"]], .processSubstitution),
    // expansions
    ok("echo $HOME", [["echo", "$HOME"]], .parameterExpansion),
    ok("echo ${HOME}", [["echo", "${HOME}"]], .parameterExpansion),
    ok("echo $1 $@ $* $# $? $$ $! $- $0", [["echo", "$1", "$@", "$*", "$#", "$?", "$$", "$!", "$-", "$0"]], .parameterExpansion),
    ok("echo \"$HOME/x\"", [["echo", "$HOME/x"]], .parameterExpansion),
    ok("$CMD arg", [["$CMD", "arg"]], .parameterExpansion),
    ok("echo ${10}", [["echo", "${10}"]], .parameterExpansion),
    no("echo ${HOME:-x}", "operators"),
    no("echo ${x:-$(id)}", "operators"),
    no("echo ${!x}", "operators"),
    no("echo ${#x}", "operators"),
    no("echo ${x/a/b}", "operators"),
    no("echo ${x", "operators"),
    ok("echo $((1+2*3))", [["echo", "$((1+2*3))"]], .arithmetic),
    ok("echo $(( (1+2) * 3 ))", [["echo", "$(( (1+2) * 3 ))"]], .arithmetic),
    ok("echo $((x+1))", [["echo", "$((x+1))"]], [.arithmetic, .arithmeticVariables]),
    no("echo $((a[$(id)]))", "arithmetic expansion may only"),
    no("echo $(( $(id) ))", "arithmetic expansion may only"),
    no("echo $[1+2]", "$[...]"),
    no("((x=1))", "arithmetic command"),
    ok("echo ~", [["echo", "~"]], .tilde),
    ok("echo ~/x", [["echo", "~/x"]], .tilde),
    ok("echo a~b", [["echo", "a~b"]]),
    ok("echo '~'", [["echo", "~"]]),
    // globs
    ok("ls *.txt", [["ls", "*.txt"]], .globs),
    ok("ls ?", [["ls", "?"]], .globs),
    ok("ls [ab]", [["ls", "[ab]"]], .globs),
    ok("ls '*'", [["ls", "*"]]),
    ok("ls \\*", [["ls", "*"]]),
    ok("ls \"*.txt\"", [["ls", "*.txt"]]),
    ok("/usr/bin/r?", [["/usr/bin/r?"]], .globs),
    ok("[ -f x ]", [["[", "-f", "x", "]"]]),
    // brace expansion (attack: {rm,-rf,x} is `rm -rf x` in bash)
    ok("{rm,-rf,x}", [["{rm,-rf,x}"]], .braceExpansion),
    ok("echo {1..3}", [["echo", "{1..3}"]], .braceExpansion),
    ok("echo a{b,c}d", [["echo", "a{b,c}d"]], .braceExpansion),
    ok("echo '{a,b}'", [["echo", "{a,b}"]]),
    ok("git log HEAD@{1}", [["git", "log", "HEAD@{1}"]]),
    // assignments
    ok("A=1 ls", [["ls"]], .assignments),
    ok("A=1", [[]], .assignments),
    ok("A=1 B=2 env", [["env"]], .assignments),
    ok("PATH=/tmp ls", [["ls"]], .assignments),
    ok("LD_PRELOAD=/tmp/x.so ls", [["ls"]], .assignments),
    ok("A+=1 ls", [["ls"]], .assignments),
    ok("ls A=1", [["ls", "A=1"]]),
    ok("'A'=1 ls", [["A=1", "ls"]]),
    ok("A=$(id) ls", [["ls"], ["id"]], [.assignments, .commandSubstitution]),
    no("A=(x y) ls", "array assignments"),
    // redirections
    ok("ls > out", [["ls"]], .redirections),
    ok("ls >out", [["ls"]], .redirections),
    ok("ls >> out", [["ls"]], .redirections),
    ok("cat < in", [["cat"]], .redirections),
    ok("cat <> f", [["cat"]], .redirections),
    ok("ls >| out", [["ls"]], .redirections),
    ok("ls 2> err", [["ls"]], .redirections),
    ok("ls 2>&1", [["ls"]], .redirections),
    ok("ls >&2", [["ls"]], .redirections),
    ok("ls <&-", [["ls"]], .redirections),
    ok("ls &> out", [["ls"]], .redirections),
    ok("ls &>> out", [["ls"]], .redirections),
    ok("ls 10> out", [["ls"]], .redirections),
    ok("echo a2>x", [["echo", "a2"]], .redirections),
    ok("> out", [[]], .redirections),
    ok("ls > \"$HOME/x\"", [["ls"]], [.redirections, .parameterExpansion]),
    ok("ls > $(id)", [["ls"], ["id"]], [.redirections, .commandSubstitution]),
    no("ls 99999> x", "too large"),
    // here-documents
    ok("cat <<EOF\nhello\nEOF", [["cat"]], .heredocs),
    ok("cat <<EOF\nhello\nEOF\nls", [["cat"], ["ls"]], [.heredocs, .lists]),
    ok("cat <<'EOF'\n$(id)\nEOF", [["cat"]], .heredocs),
    ok("cat <<\"EOF\"\n`id`\nEOF", [["cat"]], .heredocs),
    ok("cat <<EOF\n$(id)\nEOF", [["cat"], ["id"]], [.heredocs, .commandSubstitution]),
    ok("cat <<EOF\n`id`\nEOF", [["cat"], ["id"]], [.heredocs, .commandSubstitution]),
    ok("cat <<-EOF\n\t\thello\n\tEOF", [["cat"]], .heredocs),
    ok("cat <<A; cat <<B\na\nA\nb\nB", [["cat"], ["cat"]], .heredocs),
    ok("cat <<< 'hello'", [["cat"]], .heredocs),
    ok("cat <<<$(id)", [["cat"], ["id"]], [.heredocs, .commandSubstitution]),
    no("cat <<EOF\nhello", "unterminated here-document"),
    no("cat <<EOF", "here-document without a body"),
    no("cat <<EOF\nEO\\\nF\nid\nEOF", "line continuation"),
    no("cat <<$X\nx\n$X", "delimiter must be literal"),
    // subshells and brace groups
    ok("(ls)", [["ls"]], .subshells),
    ok("( ls; rm x )", [["ls"], ["rm", "x"]], [.subshells, .lists]),
    ok("(ls) > out", [["ls"], []], [.subshells, .redirections]),
    no("((ls) )", "arithmetic command"),
    ok("{ ls; }", [["ls"]], .braceGroups),
    ok("{ ls; rm x; }", [["ls"], ["rm", "x"]], .braceGroups),
    ok("{ ls\n}", [["ls"]], .braceGroups),
    ok("{ ls; } > out", [["ls"], []], [.braceGroups, .redirections]),
    ok("ls | { cat; }", [["ls"], ["cat"]], [.pipes, .braceGroups]),
    no("{ ls }", "missing '}'"),
    no("}", "unexpected '}'"),
    no("{ }", "empty brace group"),
    no("()", "empty command list"),
    no("(ls) x", "unexpected word"),
    // reserved words and definitions
    no("if true; then rm x; fi", "keyword 'if'"),
    no("for f in *; do rm $f; done", "keyword 'for'"),
    no("while true; do id; done", "keyword 'while'"),
    no("until false; do id; done", "keyword 'until'"),
    no("case x in x) id;; esac", "keyword 'case'"),
    no("select x in a; do id; done", "keyword 'select'"),
    no("function f { id; }", "keyword 'function'"),
    no("f() { id; }; f", "function definitions"),
    no("f () { id; }", "function definitions"),
    no("time ls", "keyword 'time'"),
    no("! ls", "keyword '!'"),
    no("[[ -f x ]]", "keyword '[['"),
    no("coproc id", "keyword 'coproc'"),
    no("ls; then", "keyword 'then'"),
    no("A=1 if true; then id; fi", "keyword 'if'"),
    ok("'if' x", [["if", "x"]]),
    ok("echo if then fi", [["echo", "if", "then", "fi"]]),
    // nesting limit
    no(String(repeating: "( ", count: 80) + "ls" + String(repeating: " )", count: 80), "nesting too deep"),
    no(String(repeating: "$(echo ", count: 80) + "x" + String(repeating: ")", count: 80), "nesting too deep"),
]

@Test func parserTableIsLargeEnough() {
    #expect(parserTable.count >= 150)
}

@Test(arguments: parserTable)
func parserTable(_ c: ParseCase) {
    let result = ShellParser.parse(c.input)
    switch (c.expect, result) {
    case let (.parse(argvs, has), .success(script)):
        #expect(script.commands.map(\.argv) == argvs, "commands of \(c.testDescription)")
        #expect(script.constructs.isSuperset(of: has), "constructs of \(c.testDescription): \(script.constructs.names)")
    case let (.refuse(why), .failure(e)):
        #expect(e.reason.contains(why), "refusal of \(c.testDescription): \(e.reason)")
    case let (.parse, .failure(e)):
        Issue.record("expected a parse of \(c.testDescription), got refusal: \(e.reason)")
    case let (.refuse(why), .success(script)):
        Issue.record("expected refusal (\(why)) of \(c.testDescription), got \(script.commands.map(\.argv))")
    }
}

@Test func plainCommandsReportNoConstructs() throws {
    for s in ["ls", "ls -la /tmp", "'l''s'", #"l\s"#, "echo 'a;b'"] {
        let script = try ShellParser.parse(s).get()
        #expect(script.constructs.isEmpty, "\(s): \(script.constructs.names)")
    }
}

@Test func wordsWithExpansionsAreMarkedDynamic() throws {
    let script = try ShellParser.parse(#"cat "$HOME" '$HOME' $(id) x*"#).get()
    let words = script.commands[0].words
    #expect(words.map(\.isStatic) == [true, false, true, false, false])
}

@Test func assignmentsAreRecordedWithTheirValues() throws {
    let script = try ShellParser.parse("A=1 B='x y' ls").get()
    #expect(script.commands[0].assignments.map(\.name) == ["A", "B"])
    #expect(script.commands[0].assignments.map(\.value.text) == ["1", "x y"])
}

@Test func redirectionsAreRecorded() throws {
    let script = try ShellParser.parse("ls 2>&1 >out <in <<<hi").get()
    let r = script.commands[0].redirections
    #expect(r.map(\.op) == [.duplicateOutput, .output, .input, .herestring])
    #expect(r[0].fd == 2 && r[0].isDescriptorDuplication)
    #expect(r[1].target.text == "out" && !r[1].isDescriptorDuplication)
}

@Test func heredocBodiesAreRecorded() throws {
    let script = try ShellParser.parse("cat <<-EOF\n\tone\n\ttwo\n\tEOF\n").get()
    #expect(script.commands[0].redirections[0].heredocBody == "one\ntwo\n")
}
