import Testing
@testable import ContainProfile

@Suite struct Extends {
    @Test func mergeSemantics() throws {
        let p = try loader.load(Fixtures.path("extends/grandchild.yaml"))
        // Lists append without duplicates, base first.
        #expect(p.environment.filesystem.read == ["/usr", "/etc/ssl", "/opt/tool"])
        #expect(p.environment.syscalls.allow == ["read", "write", "openat", "close"])
        #expect(p.mcp?.tools.deny == ["dangerous", "also_dangerous"])
        // Scalars: the child wins.
        #expect(p.environment.filesystem.privateTmp == false)
        // Mappings merge key by key.
        #expect(p.environment.env.set == ["A": "base", "B": "child", "C": "child"])
        // A rule with the id of a base rule replaces it in place; other base rules stay.
        #expect(p.mcp?.rateLimits.map(\.id) == ["global", "other"])
        #expect(p.mcp?.rateLimits.first?.count == 10)
        // What the base denies stays denied.
        #expect(p.environment.syscalls.rules.contains { $0.syscall == "ptrace" && $0.action == .errno(1) })
        #expect(p.sources.map { $0.split(separator: "/").last.map(String.init) ?? "" } == ["base.yaml", "child.yaml", "grandchild.yaml"])
    }

    @Test func baseAloneKeepsItsOwnValues() throws {
        let p = try loader.load(Fixtures.path("extends/base.yaml"))
        #expect(p.environment.filesystem.privateTmp == true)
        #expect(p.mcp?.rateLimits.first?.count == 100)
        #expect(p.sources.count == 1)
    }

    @Test func cycleIsRefusedWithTheChain() {
        let d = loader.check(Fixtures.path("extends/cycle-a.yaml")).filter { $0.message.hasPrefix("extends cycle") }
        #expect(d.map(\.message) == ["extends cycle: cycle-a.yaml -> cycle-b.yaml -> cycle-a.yaml"])
        #expect(throws: ProfileLoadError.self) { try loader.load(Fixtures.path("extends/self.yaml")) }
    }

    @Test func shippedNameIsFoundThroughContainProfilePath() throws {
        // A base "shipped" in a directory named by CONTAIN_PROFILE_PATH, extended by name.
        let dir = try TempDir()
        try dir.write("mybase.yaml", "version: 1\nenvironment:\n  filesystem:\n    read: [/opt/base]\n")
        try dir.write("child.yaml", "version: 1\nextends: mybase\nenvironment:\n  filesystem:\n    read: [/opt/child]\n")
        var vars = testVariables
        vars.environment["CONTAIN_PROFILE_PATH"] = "/nonexistent:" + dir.path
        let loader = ProfileLoader(variables: vars)
        let p = try loader.load(dir.path + "/child.yaml")
        #expect(p.environment.filesystem.read == ["/opt/base", "/opt/child"])
        #expect(ProfileLocator.resolve("mybase", environment: vars.environment) == dir.path + "/mybase.yaml")
        #expect(ProfileLocator.shippedNames(environment: vars.environment).contains("mybase"))
        #expect(loader.check(dir.path + "/none.yaml").count == 1)
        let unknown = loader.check("mybsae")
        #expect(unknown.first?.message.contains("did you mean 'mybase'?") == true)
        // The list also holds the repository's own profiles when the test binary runs from a SwiftPM build
        // directory next to Package.swift; only the ones this test shipped are certain.
        let listed = unknown.first?.message.components(separatedBy: "shipped profiles: ").last ?? ""
        #expect(listed.contains("child") && listed.contains("mybase"))
    }
}

@Suite struct EmptySections {
    @Test func anEmptySectionIsNotATypeError() throws {
        let p = try loader.load(yaml: "version: 1\nenvironment:\naudit:\nmcp:\n", file: "/tmp/e.yaml")
        #expect(p.audit.level == .denials)
        #expect(p.mcp != nil)   // `mcp:` present: the transport wall runs, with its defaults
    }

    @Test func anEmptySectionInAChildKeepsTheBase() throws {
        let dir = try TempDir()
        try dir.write("base.yaml", "version: 1\nenvironment:\n  filesystem:\n    read: [/opt/x]\n")
        try dir.write("child.yaml", "version: 1\nextends: ./base.yaml\nenvironment:\n")
        let p = try loader.load(dir.path + "/child.yaml")
        #expect(p.environment.filesystem.read == ["/opt/x"])
    }
}
