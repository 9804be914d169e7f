// The parser against the real bash: every command bash runs for an input the parser accepts must be one the
// parser reported (same name; same argv when the parser says all its words are static). This is the property
// the command rule relies on: nothing runs that was not checked.
//
// bash runs with an empty PATH, so every command lands in `command_not_found_handle`, which records its argv;
// the common builtins are disabled so they are recorded too. Inputs containing `/` are skipped: nothing may
// reach a real program.

import Foundation
import Testing
@testable import ContainShellRules

private let bashPath = "/bin/bash"

private let extraInputs: [String] = [
    "ls -l; cat a && wc -l || head -n 1",
    "echo 'a b' \"c d\" e\\ f",
    "echo $'a\\tb' $'\\x41'",
    "ec'h'o hi",
    "e\\cho hi",
    "echo a\\\nb",
    "cat <<EOF\nline $(id)\nEOF\n",
    "cat <<'EOF'\n$(id)\nEOF\nls",
    "cat <<-EOF\n\tx\n\tEOF\necho after",
    "cat <<A; cat <<B\na\nA\nb\nB\necho done",
    "echo $(echo inner; whoami)",
    "echo `echo one` \"`echo two`\"",
    "(cd x; ls)",
    "{ ls; cat; }",
    "ls | wc | cat",
    "ls |& cat",
    "A=1 B=2 env",
    "ls # comment; rm x",
    "ls #\nrm x",
    "echo {a,b}",
    "{rm,-rf,x}",
    "echo a{b,c}",
    "echo \"$(printf ')')\"",
    "echo $(echo '$(inner)')",
    "diff <(ls a) <(ls b)",
    "echo x > f; cat < f",
    "ls 2>&1 | cat",
    "echo a;echo b&&echo c||echo d",
    "echo 'x\ny'",
    "r\\\nm x",
    "'l''s' -la",
    "l\\s",
    "$'\\x6c\\x73'",
    "\"$(echo rm)\"",
    "echo $((1+2))",
    "ls\n\n\n",
    "echo ~ ~x",
    "echo *.none ?.none [a].none",
    "cat<<<word",
    "ls&echo bg",
    "echo a\\;b c\\|d",
    "echo \\$(x)y",
    "x=1; echo $x",
    "echo ${x} $1 $@",
    "ls; ; rm",
    "echo 日本 ✓ é",
    "printf '%s\\n' a b",
    "test -f x && echo yes",
    "[ -f x ] || echo no",
    "true; false; pwd",
    "echo \"a\\\"b\" 'c'\\''d'",
    "echo `echo \\`echo deep\\``",
    "cat <<E\\OF\n$(id)\nEOF",
    "cat <<\"EOF\" | wc\nx\nEOF",
    "ls ;\n rm x",
    "ls\\\n;rm x",
    "echo \"$(echo \"nested \"quotes\"\")\"",
    "echo $(echo `echo x`)",
    "echo '\\'' ; rm x '",
    "echo \\'; rm x",
    "echo \"a'b\" ; rm x",
    "X=$(rm x) ls",
    "ls <<<$(rm x)",
    "ls > >(rm x)",
    "ls 2>&1 >&2 | rm x",
    "{ ls;}",
    "(ls)&& rm x",
    "ls||rm x",
    "ls&&(rm x)",
    "!ls",
    "ls #x\\\nrm x",
    "echo 'a'#b",
    "cat <<EOF; rm x\nbody\nEOF",
    "cat <<EOF | rm x\n$(id)\nEOF\nls",
    "echo $'\\x72\\x6d' $'\\162\\155' $'\\u0072'",
    "ls;;",
    "l\\\ns -l",
    "ec\\ho \\\\\\n",
]

private func runBash(_ input: String) throws -> [[String]] {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("contain-diff-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let log = dir.appendingPathComponent("log").path
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    // The handler writes with the external printf by absolute path: the builtin is disabled, and a handler that
    // needed command lookup would call itself. The guard and `timeout` (which kills its whole process group)
    // bound anything else. One printf per record: one append, so concurrent commands (pipelines, background
    // jobs) do not interleave.
    let script = """
        command_not_found_handle() {
          [[ -n $IN_HANDLER ]] && return 127
          IN_HANDLER=1; /usr/bin/printf '%s\\037' "$@" $'\\036' >>"$RECLOG"; return 0
        }
        enable -n echo printf test [ true false pwd kill type hash cd read
        eval "$1"
        wait
        """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    p.arguments = ["-s", "KILL", "10", bashPath, "-c", script, "bash", input]
    p.environment = ["PATH": dir.appendingPathComponent("empty").path, "RECLOG": log, "HOME": dir.path]
    p.currentDirectoryURL = dir
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    p.standardInput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    let data = try Data(contentsOf: URL(fileURLWithPath: log))
    // Each record: every argument followed by 0x1f, then 0x1e 0x1f.
    var records: [[String]] = []
    var current: [String] = []
    for field in data.split(separator: 0x1f, omittingEmptySubsequences: false).dropLast() {
        if field.count == 1, field.first == 0x1e { records.append(current); current = []; continue }
        current.append(String(decoding: field, as: UTF8.self))
    }
    return records
}

private var differentialInputs: [String] {
    let fromTable: [String] = parserTable.compactMap { c in
        if case .parse = c.expect { return c.input }
        return nil
    }
    return (fromTable + extraInputs).filter { !$0.contains("/") && !$0.contains("\u{0}") }
}

@Test(.enabled(if: ["/bin/bash", "/usr/bin/timeout", "/usr/bin/printf"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }))
func everyCommandBashRunsWasSeenByTheParser() throws {
    var checked = 0
    for input in differentialInputs {
        guard case .success(let script) = ShellParser.parse(input) else { continue }
        // A command name not known statically is refused by the rule; bash would run whatever it becomes.
        guard script.commands.allSatisfy({ $0.words.first?.isStatic ?? true }) else { continue }
        let ran = try runBash(input)
        checked += 1
        for argv in ran {
            guard let name = argv.first else { continue }
            let seen = script.commands.filter { $0.words.first?.text == name }
            #expect(!seen.isEmpty, "bash ran \(argv) for \(CommandLineRendering.quote(input)); parser saw \(script.commands.map(\.argv))")
            let exact = seen.filter { $0.words.allSatisfy(\.isStatic) }
            if !exact.isEmpty, exact.count == seen.count {
                #expect(exact.contains { $0.argv == argv },
                        "bash ran \(argv) for \(CommandLineRendering.quote(input)); parser saw \(exact.map(\.argv))")
            }
        }
    }
    #expect(checked > 150)
}
