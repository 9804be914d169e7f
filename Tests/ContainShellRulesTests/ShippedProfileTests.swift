// The rule as profiles/shell.yaml configures it, loaded by the real profile loader: the shipped allowlist lets
// the read-mostly commands through and refuses the rest.

import Testing
import ContainProfile
import ContainRuleKit
@testable import ContainShellRules

private let shellProfilePath: String = {
    // Tests/ContainShellRulesTests/ShippedProfileTests.swift -> repository root
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/") + "/profiles/shell.yaml"
}()

private func shippedRule() throws -> CommandRuleEvaluator {
    let loader = ProfileLoader(variables: ProfileVariables(workspace: "/tmp/ws", home: "/tmp/home", environment: [:]))
    let profile = try loader.load(shellProfilePath)
    let rule = try #require(profile.mcp?.commands.first { $0.id == "shell.commands" })
    return CommandRuleEvaluator(rule: rule)
}

@Test func shippedProfileAllowsReadMostlyCommands() throws {
    let e = try shippedRule()
    #expect(e.applies(to: "shell_execute") && e.applies(to: "execute_command"))
    for argv in [["ls", "-la"], ["cat", "README.md"], ["git", "status"], ["git", "log", "--oneline"], ["true"],
                 ["grep", "-rn", "x", "."], ["find", ".", "-name", "*.md"], ["ls", "|", "wc", "-l"], ["false"]] {
        #expect(e.check(argv: argv).isAllowed, "\(argv)")
    }
    for s in ["ls | head -3", "git diff HEAD~1 && git status", "sed -n '1,3p' f", "awk '{print $1}' f", "ls ./*.md"] {
        #expect(e.check(shell: s).isAllowed, "\(s)")
    }
}

@Test func shippedProfileRefusesWritesAndExecution() throws {
    let e = try shippedRule()
    for argv in [["rm", "x"], ["git", "push"], ["git", "commit", "-m", "x"], ["find", ".", "-delete"], ["touch", "x"],
                 ["sed", "-i", "s/a/b/", "f"], ["sort", "-o", "f", "g"], ["bash", "-c", "id"], ["python3", "-c", "1"],
                 ["echo", "x", ">", "f"], ["cp", "a", "b"], ["tee", "f"], ["curl", "http://x"], ["xargs", "rm"]] {
        #expect(!e.check(argv: argv).isAllowed, "\(argv)")
    }
    for s in ["echo x > f", "echo $(id)", "A=1 ls", "ls &", "(ls)", "cat <<EOF\nx\nEOF", "echo $HOME", "ls *"] {
        #expect(!e.check(shell: s).isAllowed, "\(s)")
    }
}
