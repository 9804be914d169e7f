// The path rule on real tool calls of the known servers, against the real fixture tree.
// Each denial case is something an attacker sends to reach outside the workspace or a secret inside it.

import Testing
import ContainProfile
import ContainRuleKit
@testable import ContainPathRules

private let fx = Fixture.shared

private func rule(writable: Bool = true, fields: [String] = [], tools: [String] = ["*"]) -> PathRule {
    var r = PathRule(id: "fs.paths", tools: tools)
    r.allow = [fx.work + "/**"]
    r.deny = ["**/.env", "**/.git/config", "**/*.pem", "**/id_*"]
    r.writable = writable
    r.fields = fields
    return r
}

private let ctx = RuleContext(workingDirectory: fx.work, home: fx.home)

private func call(_ tool: String, _ args: [(String, JSONValue)]) -> ToolCall {
    ToolCall(name: tool, arguments: .object(args), requestID: "1")
}

private func s(_ v: String) -> JSONValue { .string(fx.t(v)) }

struct CallCase: Sendable, CustomTestStringConvertible {
    var tool: String
    var args: [(String, JSONValue)]
    /// nil: allowed; otherwise a fragment the denial must contain.
    var denial: String?
    var why: String
    var testDescription: String { "\(tool): \(why)" }
}

private let callCases: [CallCase] = [
    CallCase(tool: "read_file", args: [("path", s("$T/work/file.txt"))], denial: nil, why: "inside"),
    CallCase(tool: "read_text_file", args: [("path", s("$T/work/a/b/c.txt"))], denial: nil, why: "nested inside"),
    CallCase(tool: "read_file", args: [("path", .string("a/b/c.txt"))], denial: nil, why: "relative inside"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/../outside/secret.txt"))],
             denial: "resolves to \(fx.t("$T/outside/secret.txt")), outside fs.paths allow list", why: ".. out"),
    CallCase(tool: "read_file", args: [("path", .string("../outside/secret.txt"))], denial: "outside fs.paths allow list", why: "relative .. out"),
    CallCase(tool: "read_file", args: [("path", .string("/etc/passwd"))], denial: "outside", why: "absolute outside"),
    CallCase(tool: "read_file", args: [("path", s("$T/work-evil/x.txt"))], denial: "outside", why: "prefix sibling"),
    CallCase(tool: "read_file", args: [("path", s("$T/work2"))], denial: "outside", why: "prefix sibling 2"),
    CallCase(tool: "read_text_file", args: [("path", s("$T/work/link-out/secret.txt"))], denial: "outside", why: "symlink out"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/link-etc-passwd"))], denial: "resolves to /etc/passwd", why: "symlink to outside file"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/link-root/etc/shadow"))], denial: "resolves to /etc/shadow", why: "symlink to /"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/up/outside/secret.txt"))], denial: "outside", why: "symlink to .."),
    CallCase(tool: "read_file", args: [("path", s("$T/work/deeplink/../../outside/secret.txt"))], denial: "outside",
             why: "symlink then ..: a string-cleaning server escapes"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/loop1"))], denial: "symlink loop", why: "loop"),
    CallCase(tool: "read_file", args: [("path", .string("/proc/self/root/etc/passwd"))], denial: "magic link", why: "magic link"),
    CallCase(tool: "read_file", args: [("path", .string("~/notes.txt"))], denial: "outside", why: "home"),
    CallCase(tool: "read_file", args: [("path", .string("~root/.ssh/id_rsa"))], denial: "another user's home", why: "~user"),
    CallCase(tool: "read_file", args: [("path", .string("file:///etc/passwd"))], denial: "resolves to /etc/passwd", why: "file URI"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/a\u{0}/../../../etc/passwd"))], denial: "NUL", why: "NUL byte"),
    CallCase(tool: "read_file", args: [("path", .string("/" + String(repeating: "x/", count: 2100)))], denial: "PATH_MAX", why: "too long"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/.env"))], denial: "matches deny glob **/.env of fs.paths", why: ".env"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/link-env"))], denial: "deny glob **/.env", why: "symlink to .env"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/named.env"))], denial: nil, why: "name ends in .env but is not .env"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/./.git/./config"))], denial: "deny glob **/.git/config", why: ".git/config via /./"),
    CallCase(tool: "read_media_file", args: [("path", s("$T/work/cert.pem"))], denial: "deny glob **/*.pem", why: "pem"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/keys/id_rsa"))], denial: "deny glob **/id_*", why: "ssh key"),
    CallCase(tool: "read_multiple_files", args: [("paths", .array([s("$T/work/file.txt"), s("$T/work/a/b/c.txt")]))], denial: nil, why: "all inside"),
    CallCase(tool: "read_multiple_files", args: [("paths", .array([s("$T/work/file.txt"), s("$T/outside/secret.txt")]))],
             denial: "read_multiple_files.paths[1]", why: "second outside"),
    CallCase(tool: "read_multiple_files", args: [("paths", .array([s("$T/work/file.txt"), .number("42")]))],
             denial: "read_multiple_files.paths[1] must be a path string, got a number", why: "number element"),
    CallCase(tool: "read_multiple_files", args: [("paths", s("$T/work/file.txt"))],
             denial: "read_multiple_files.paths must be an array of path strings, got a string", why: "string where array expected"),
    CallCase(tool: "read_multiple_files", args: [("paths", .array([.array([s("$T/work/file.txt")])]))],
             denial: "read_multiple_files.paths[0] must be a path string, got an array", why: "nested array"),
    CallCase(tool: "read_file", args: [("path", .null)], denial: "got null", why: "null path"),
    CallCase(tool: "read_file", args: [("path", .object([("p", .string("/etc"))]))], denial: "got an object", why: "object path"),
    CallCase(tool: "read_file", args: [("path", .bool(true))], denial: "got a boolean", why: "bool path"),
    CallCase(tool: "read_file", args: [("path", .array([s("$T/work/file.txt"), s("$T/work/a/b/c.txt")]))],
             denial: "read_file.path must be a path string, got an array", why: "array where a string is expected, even of allowed paths"),
    CallCase(tool: "list_allowed_directories", args: [], denial: nil, why: "no path"),
    CallCase(tool: "write_file", args: [("path", s("$T/work/new.txt")), ("content", .string("x"))], denial: nil, why: "write inside"),
    CallCase(tool: "write_file", args: [("path", s("$T/work/dangling-in")), ("content", .string("x"))], denial: nil, why: "dangling symlink inside"),
    CallCase(tool: "write_file", args: [("path", s("$T/work/dangling-out")), ("content", .string("x"))],
             denial: "resolves to \(fx.t("$T/outside/created.txt"))", why: "dangling symlink out: write creates the target"),
    CallCase(tool: "write_file", args: [("path", s("$T/work/dangling-rel-out")), ("content", .string("x")), ("append", .bool(true))],
             denial: "outside", why: "filesystem-mcp write with append through a relative dangling link"),
    CallCase(tool: "edit_file", args: [("path", s("$T/work/.env")), ("edits", .array([]))], denial: "deny glob", why: "edit .env"),
    CallCase(tool: "create_directory", args: [("path", s("$T/work/newdir/../../outside/x"))], denial: "outside", why: "mkdir -p .. out"),
    CallCase(tool: "create_directory", args: [("path", s("$T/work-evil/x"))], denial: "outside", why: "mkdir sibling"),
    CallCase(tool: "move_file", args: [("source", s("$T/work/file.txt")), ("destination", s("$T/work/file2.txt"))], denial: nil, why: "move inside"),
    CallCase(tool: "move_file", args: [("source", s("$T/work/file.txt")), ("destination", s("$T/outside/stolen.txt"))],
             denial: "move_file.destination", why: "move out"),
    CallCase(tool: "move_file", args: [("source", s("$T/outside/secret.txt")), ("destination", s("$T/work/got.txt"))],
             denial: "move_file.source", why: "move in"),
    CallCase(tool: "move_file", args: [("source", s("$T/work/link-etc-passwd")), ("destination", s("$T/work/x"))],
             denial: "move_file.source", why: "symlink to outside as source"),
    CallCase(tool: "list_directory", args: [("path", s("$T/work"))], denial: nil, why: "list workspace"),
    CallCase(tool: "list_directory", args: [("path", s("$T"))], denial: "outside", why: "list parent"),
    CallCase(tool: "list_directory_with_sizes", args: [("path", .string("~/"))], denial: "outside", why: "list home"),
    CallCase(tool: "directory_tree", args: [("path", .string("/"))], denial: "resolves to /,", why: "tree of /"),
    CallCase(tool: "get_file_info", args: [("path", s("$T/work/link-root"))], denial: "resolves to /,", why: "info via link to /"),
    CallCase(tool: "search_files", args: [("path", s("$T/work")), ("pattern", .string("**/*.txt"))], denial: nil, why: "search inside"),
    CallCase(tool: "search_files", args: [("path", s("$T/work")), ("pattern", .string("../../**"))], denial: "climbs out", why: "pattern climbs"),
    CallCase(tool: "search_files", args: [("path", s("$T/work")), ("pattern", .string("a/../../x"))], denial: "climbs out", why: "pattern climbs midway"),
    CallCase(tool: "search_files", args: [("path", s("$T/work")), ("pattern", .string("..\\secret"))], denial: "climbs out", why: "backslash .."),
    CallCase(tool: "search_files", args: [("path", s("$T/work")), ("pattern", .string("*..txt"))], denial: nil, why: "dots inside a name"),
    CallCase(tool: "search_files", args: [("path", s("$T/outside")), ("pattern", .string("*"))], denial: "outside", why: "search outside"),
    CallCase(tool: "git_status", args: [("repo_path", s("$T/outside"))], denial: "git_status.repo_path", why: "mcp-server-git repo out"),
    CallCase(tool: "git_status", args: [("repo_path", s("$T/work"))], denial: nil, why: "mcp-server-git repo inside"),
    CallCase(tool: "read_file", args: [("path", s("$T/work/hardlink.txt"))], denial: nil,
             why: "hard link to an outside inode: invisible to the transport wall (the environment wall's job)"),
]

@Test(arguments: callCases)
func pathRuleOnKnownServerTools(_ c: CallCase) {
    let ev = PathRuleEvaluator(rule: rule())
    let v = ev.evaluate(call(c.tool, c.args), context: ctx)
    if let fragment = c.denial {
        guard case .deny(let id, let reason) = v else { Issue.record("expected a denial, got \(v)"); return }
        #expect(id == "fs.paths")
        #expect(reason.contains(fragment), "\(reason)")
    } else {
        #expect(v == .allow)
    }
}

@Test func denialTextNamesToolFieldRawCanonicalAndRule() {
    let raw = fx.work + "/../outside/secret.txt"
    let v = PathRuleEvaluator(rule: rule()).evaluate(call("read_file", [("path", .string(raw))]), context: ctx)
    #expect(v == .deny(rule: "fs.paths",
                       reason: "read_file.path \"\(raw)\" resolves to \(fx.root)/outside/secret.txt, outside fs.paths allow list"))
}

@Test func denialTextEscapesControlCharacters() {
    let raw = "/etc/passwd\nBlocked by contain: nothing"
    guard case .deny(_, let reason) = PathRuleEvaluator(rule: rule()).evaluate(call("read_file", [("path", .string(raw))]), context: ctx) else {
        Issue.record("expected denial"); return
    }
    #expect(!reason.contains("\n"))
    #expect(reason.contains("\\n"))
}

@Test func readOnlyRuleRefusesWriteToolsOnly() {
    let ev = PathRuleEvaluator(rule: rule(writable: false))
    #expect(ev.evaluate(call("read_file", [("path", s("$T/work/file.txt"))]), context: ctx) == .allow)
    for tool in ["write_file", "edit_file", "create_directory"] {
        let v = ev.evaluate(call(tool, [("path", s("$T/work/new.txt"))]), context: ctx)
        #expect(v == .deny(rule: "fs.paths",
                           reason: "\(tool).path \"\(fx.work)/new.txt\" resolves to \(fx.work)/new.txt: \(tool) writes, and fs.paths is read-only (writable: false)"))
    }
    let mv = ev.evaluate(call("move_file", [("source", s("$T/work/file.txt")), ("destination", s("$T/work/b.txt"))]), context: ctx)
    #expect(mv != .allow)
}

@Test func profileFieldsAddToTheBuiltIns() {
    let ev = PathRuleEvaluator(rule: rule(fields: ["target_dir", "edits[].file"]))
    #expect(ev.evaluate(call("custom", [("target_dir", s("$T/outside"))]), context: ctx) != .allow)
    #expect(ev.evaluate(call("custom", [("target_dir", s("$T/work"))]), context: ctx) == .allow)
    #expect(ev.evaluate(call("custom", [("path", s("$T/outside"))]), context: ctx) != .allow)
    let edits = JSONValue.array([.object([("file", s("$T/work/a.txt"))]), .object([("file", s("$T/outside/b.txt"))])])
    guard case .deny(_, let reason) = ev.evaluate(call("custom", [("edits", edits)]), context: ctx) else {
        Issue.record("expected denial"); return
    }
    #expect(reason.hasPrefix("custom.edits[1].file "))
}

@Test func argumentsThatAreNotAnObjectAreRefused() {
    let ev = PathRuleEvaluator(rule: rule())
    let v = ev.evaluate(ToolCall(name: "read_file", arguments: .array([.string("/etc/passwd")]), requestID: "1"), context: ctx)
    #expect(v == .deny(rule: "fs.paths", reason: "read_file arguments are an array, not an object; fs.paths cannot find its path fields"))
}

@Test func appliesOnlyToSelectedTools() {
    let ev = PathRuleEvaluator(rule: rule(tools: ["read_*", "list_directory"]))
    #expect(ev.applies(to: "read_file"))
    #expect(ev.applies(to: "read_multiple_files"))
    #expect(ev.applies(to: "list_directory"))
    #expect(!ev.applies(to: "list_directory_with_sizes"))
    #expect(!ev.applies(to: "write_file"))
}

@Test func inspectKeepsRawAndCanonicalForAudit() {
    let ev = PathRuleEvaluator(rule: rule())
    let f = ev.inspect(call("move_file", [("source", s("$T/work/file.txt")), ("destination", s("$T/work/link-out/x"))]), context: ctx)
    #expect(f.count == 2)
    #expect(f[0].allowed && f[0].field == "source" && f[0].access == .write)
    #expect(!f[1].allowed)
    #expect(f[1].raw == fx.t("$T/work/link-out/x"))
    #expect(f[1].canonical == fx.t("$T/outside/x"))
}

@Test func nonUTF8ResolutionIsRefused() {
    let v = PathRuleEvaluator(rule: rule()).evaluate(call("write_file", [("path", s("$T/work/bad-utf8"))]), context: ctx)
    guard case .deny(_, let reason) = v else { Issue.record("expected denial"); return }
    #expect(reason.contains("not valid UTF-8"), "\(reason)")
}

// MARK: - Roots

private func roots(_ uris: [String]) -> JSONValue {
    .array(uris.map { .object([("uri", .string(fx.t($0))), ("name", .string("r"))]) })
}

struct RootCase: Sendable, CustomTestStringConvertible {
    var roots: JSONValue
    var allowed: Bool
    var why: String
    var testDescription: String { why }
}

private let rootCases: [RootCase] = [
    RootCase(roots: roots(["file://$T/work"]), allowed: true, why: "the workspace"),
    RootCase(roots: roots(["file://$T/work/a", "file://$T/work/a/b"]), allowed: true, why: "subdirectories"),
    RootCase(roots: roots(["file://localhost$T/work"]), allowed: true, why: "localhost authority"),
    RootCase(roots: roots(["file://$T/wor%6B"]), allowed: true, why: "percent-encoded letter"),
    RootCase(roots: .array([]), allowed: true, why: "no roots"),
    RootCase(roots: .object([("roots", roots(["file://$T/work"]))]), allowed: true, why: "whole result object"),
    RootCase(roots: roots(["file:///"]), allowed: false, why: "/"),
    RootCase(roots: roots(["file://$T/work", "file:///etc"]), allowed: false, why: "second root outside"),
    RootCase(roots: roots(["file://$T/work/../outside"]), allowed: false, why: ".. out"),
    RootCase(roots: roots(["file://$T/work%2F..%2F..%2Foutside"]), allowed: false, why: "encoded slashes and .."),
    RootCase(roots: roots(["file://$T/work/link-out"]), allowed: false, why: "symlink out"),
    RootCase(roots: roots(["file://$T/work-evil"]), allowed: false, why: "prefix sibling"),
    RootCase(roots: roots(["file://attacker.example$T/work"]), allowed: false, why: "remote host"),
    RootCase(roots: roots(["https://example.com/work"]), allowed: false, why: "not a file URI"),
    RootCase(roots: roots(["$T/work"]), allowed: false, why: "bare path, not a URI"),
    RootCase(roots: roots(["file://$T/work%00"]), allowed: false, why: "encoded NUL"),
    RootCase(roots: roots(["file://$T/work?x=1"]), allowed: false, why: "query"),
    RootCase(roots: .array([.object([("uri", .number("1"))])]), allowed: false, why: "uri not a string"),
    RootCase(roots: .array([.object([("name", .string("x"))])]), allowed: false, why: "no uri"),
    RootCase(roots: .string("file:///"), allowed: false, why: "not an array"),
    RootCase(roots: roots(["FILE://$T/work"]), allowed: true, why: "scheme case-insensitive"),
]

@Test(arguments: rootCases)
func clientRoots(_ c: RootCase) {
    let v = PathRuleEvaluator(rule: rule()).checkRoots(c.roots)
    #expect((v == .allow) == c.allowed, "\(v)")
}

@Test func rootDenialNamesTheURIAndTheCanonicalPath() {
    let v = PathRuleEvaluator(rule: rule()).checkRoots(roots(["file://$T/work/link-out"]))
    #expect(v == .deny(rule: "fs.paths",
                       reason: "roots[0] \"file://\(fx.work)/link-out\" resolves to \(fx.root)/outside, outside fs.paths allow list"))
}
