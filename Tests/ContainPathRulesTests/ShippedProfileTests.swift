// The shipped filesystem profiles, loaded with the real loader and exercised with the real path rule: what
// they promise in their comments (workspace only, secrets denied, read-only variant refuses writes).

import Foundation
import Testing
import ContainProfile
import ContainRuleKit
@testable import ContainPathRules

private let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let fx = Fixture.shared

private func load(_ name: String) throws -> Profile {
    let vars = ProfileVariables(workspace: fx.work, home: fx.home, environment: ["HOME": fx.home])
    return try ProfileLoader(variables: vars).load(repo.appendingPathComponent("profiles/\(name).yaml").path)
}

private func call(_ tool: String, _ path: String) -> ToolCall {
    ToolCall(name: tool, arguments: .object([("path", .string(path)), ("content", .string("x"))]), requestID: "1")
}

@Test(arguments: ["filesystem", "filesystem-readonly"])
func shippedProfileLoadsCleanly(_ name: String) throws {
    let vars = ProfileVariables(workspace: fx.work, home: fx.home, environment: ["HOME": fx.home])
    let diags = ProfileLoader(variables: vars).check(repo.appendingPathComponent("profiles/\(name).yaml").path)
    #expect(diags.isEmpty, "\(diags)")
    let p = try load(name)
    let env = p.environment
    #expect(env.network == .none)
    #expect(env.namespaces == Set(Namespace.allCases))
    // Nothing of the home directory, nothing of the fixture outside the workspace.
    let visible = env.filesystem.read + env.filesystem.execute + env.filesystem.write
    #expect(!visible.contains { $0.hasPrefix(fx.home) || $0.hasPrefix(fx.root + "/outside") || $0 == "/etc" || $0 == "/" })
    #expect(env.filesystem.deny.contains(fx.work + "/.env"))
    #expect(env.syscalls.defaultAction != .allow)
    let rules = try #require(p.mcp?.paths)
    #expect(rules.count == 1)
    #expect(rules[0].id == "fs.paths")
    #expect(rules[0].allow == [fx.work + "/**"])
    #expect(rules[0].deny == ["**/.env", "**/.git/config", "**/*.pem", "**/id_*"])
    #expect(p.mcp?.checkRoots == true)
}

@Test func filesystemProfileWorkspaceIsWritableAndPathsArePoliced() throws {
    let p = try load("filesystem")
    #expect(p.environment.filesystem.write == [fx.work])
    let ev = PathRuleEvaluator(rule: try #require(p.mcp?.paths.first))
    let ctx = RuleContext(workingDirectory: fx.work, home: "/tmp")
    #expect(ev.evaluate(call("write_file", fx.work + "/new.txt"), context: ctx) == .allow)
    #expect(ev.evaluate(call("read_file", fx.work + "/../outside/secret.txt"), context: ctx) != .allow)
    #expect(ev.evaluate(call("read_file", fx.work + "/keys/id_rsa"), context: ctx) != .allow)
    #expect(ev.evaluate(call("write_file", fx.work + "/dangling-out"), context: ctx) != .allow)
}

@Test func readonlyProfileRefusesWritesAtBothWalls() throws {
    let p = try load("filesystem-readonly")
    #expect(p.environment.filesystem.write.isEmpty)
    #expect(p.environment.filesystem.read.contains(fx.work))
    let rule = try #require(p.mcp?.paths.first)
    #expect(rule.writable == false)
    let ev = PathRuleEvaluator(rule: rule)
    let ctx = RuleContext(workingDirectory: fx.work, home: "/tmp")
    #expect(ev.evaluate(call("read_file", fx.work + "/file.txt"), context: ctx) == .allow)
    for tool in ["write_file", "edit_file", "create_directory"] {
        #expect(ev.evaluate(call(tool, fx.work + "/file.txt"), context: ctx) != .allow)
    }
}
