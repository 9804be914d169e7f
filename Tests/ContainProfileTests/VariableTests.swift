import Testing
@testable import ContainProfile

@Suite struct Variables {
    func read(_ entries: String) throws -> [String] {
        try loader.load(yaml: "version: 1\nenvironment:\n  filesystem:\n    read: [\(entries)]\n", file: "/tmp/v.yaml")
            .environment.filesystem.read
    }

    @Test func workspaceHomeEnvAndTilde() throws {
        #expect(try read("\"${WORKSPACE}/src\", \"${HOME}/.kube\", \"/srv/${env:API_HOST}\", \"~/.config\", \"~\"")
                == ["/work/ws/src", "/home/tester/.kube", "/srv/api.internal", "/home/tester/.config", "/home/tester"])
    }

    @Test func dollarDollarIsALiteralDollar() throws {
        #expect(try read("\"/srv/$${WORKSPACE}\", \"/srv/a$b\"") == ["/srv/${WORKSPACE}", "/srv/a$b"])
    }

    @Test func normalisesSlashesAndDots() throws {
        #expect(try read("\"${WORKSPACE}/./a//b/\", \"/\"") == ["/work/ws/a/b", "/"])
    }

    @Test func workspaceFromOptionsOverridesCurrentDirectory() {
        #expect(ProfileVariables.current(workspace: "/srv/project/").workspace == "/srv/project")
        #expect(ProfileVariables.current().workspace == ProfileVariables.currentDirectory())
    }

    @Test func unsetEnvironmentVariableIsAnError() {
        let d = errors("version: 1\nenvironment:\n  env:\n    set: { TOKEN: \"${env:NOT_SET_ANYWHERE}\" }\n")
        #expect(d.map { "\($0.location.line):\($0.location.column)" } == ["4:19"])
        #expect(d.first?.message.contains("NOT_SET_ANYWHERE is not set") == true)
    }

    @Test func emptyEnvironmentVariableExpandsToEmpty() throws {
        let p = try loader.load(yaml: "version: 1\nenvironment:\n  env:\n    set: { X: \"a${env:EMPTY}b\", N: 1 }\n", file: "/tmp/v.yaml")
        #expect(p.environment.env.set == ["X": "ab", "N": "1"])
    }

    @Test func tildeUserIsNotExpandedAndThereforeRelative() {
        let d = errors("version: 1\nenvironment:\n  filesystem:\n    read: [\"~root/x\"]\n")
        #expect(d.first?.message.contains("must be an absolute path") == true)
    }

    @Test func unterminatedVariable() {
        let d = errors("version: 1\nenvironment:\n  filesystem:\n    read: [\"${WORKSPACE\"]\n")
        #expect(d.first?.message.contains("without a closing") == true)
    }
}

@Suite struct Values {
    @Test func sizesAndUnlimited() throws {
        let p = try loader.load(yaml: "version: 1\nenvironment:\n  limits: { as: 2GiB, fsize: 512KiB, stack: unlimited, core: null, nofile: 0x100 }\n", file: "/tmp/v.yaml")
        #expect(p.environment.limits.addressSpace == 2 << 30)
        #expect(p.environment.limits.fileSize == 512 << 10)
        #expect(p.environment.limits.stack == .max)
        #expect(p.environment.limits.core == nil)
        #expect(p.environment.limits.nofile == 256)
    }

    @Test func errnoByNameOrNumberAndDefaultDenyUsesIt() throws {
        let p = try loader.load(yaml: "version: 1\nenvironment:\n  syscalls: { default: deny, errno: ENOSYS, deny: [{ name: ptrace, errno: 13 }, kill] }\n", file: "/tmp/v.yaml")
        #expect(p.environment.syscalls.defaultAction == .errno(38))
        #expect(p.environment.syscalls.rules.map(\.action) == [.errno(13), .errno(38)])
    }

    @Test func argumentConstantsCombineWithBar() throws {
        let p = try loader.load(yaml: """
            version: 1
            environment:
              syscalls:
                rules:
                  - { id: ns, syscall: unshare, action: deny, args: [{ index: 0, op: masked_eq, mask: "CLONE_NEWUSER|CLONE_NEWNET", value: CLONE_NEWUSER }] }
                  - { id: vsock, syscall: socket, action: deny, args: [{ index: 0, op: eq, value: AF_VSOCK }] }
            """, file: "/tmp/v.yaml")
        let rules = p.environment.syscalls.rules
        #expect(rules[0].args == [ArgCondition(index: 0, op: .maskedEq, value: 0x1000_0000, mask: 0x5000_0000)])
        #expect(rules[1].args == [ArgCondition(index: 0, op: .eq, value: 40)])
    }

    @Test func networkHostDropsTheNetNamespace() throws {
        let p = try loader.load(yaml: "version: 1\nenvironment:\n  network: host\n", file: "/tmp/v.yaml")
        #expect(p.environment.network == .host)
        #expect(!p.environment.namespaces.contains(.net))
        let q = try loader.load(yaml: "version: 1\n", file: "/tmp/v.yaml")
        #expect(q.environment.network == .none)
        #expect(q.environment.namespaces == Set(Namespace.allCases))
        #expect(q.mcp == nil)
    }

    @Test func yesAndNoAreNotBooleans() {
        let d = errors("version: 1\nbest_effort: no\n")
        #expect(d.map { "\($0.location.line):\($0.location.column)" } == ["2:14"])
    }

    @Test func groupMinusAFewIsNotAContradiction() throws {
        // Denying a member of an allowed group is the normal idiom; deny wins.
        let p = try loader.load(yaml: "version: 1\nenvironment:\n  syscalls: { allow: [\"@process\"], deny: [kill] }\n", file: "/tmp/v.yaml")
        #expect(p.environment.syscalls.allow.contains("kill"))
        #expect(p.environment.syscalls.rules.map(\.syscall) == ["kill"])
    }

    @Test func yamlMergeKeysAndMultipleDocumentsAreRefused() {
        #expect(errors("version: 1\nbase: &b { a: 1 }\nenvironment:\n  <<: *b\n").contains { $0.message.contains("merge keys") })
        let d = errors("version: 1\n---\nversion: 1\n")
        #expect(d.count == 1)
        #expect(d.first?.message.contains("single YAML document") == true)
    }
}
