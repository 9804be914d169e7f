// The precompiled programs of the shipped profiles (ShippedProgramLookup.swift): the table must be what the
// compiler produces today, a run must get the same program either way, and nothing but the exact inputs
// may ever select a table entry.

import Foundation
import Testing
import ContainProfile
@testable import ContainSandbox

@Suite(.serialized) struct ShippedProgramsTests {
    static let repo: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3) // Tests/ContainSandboxTests/<file>
        return parts.joined(separator: "/")
    }()

    /// Every shipped profile as `contain run` loads it (the kubectl profile needs its two variables; the
    /// values change paths and the broker's destinations, never the syscall policy).
    static func shippedProfiles() throws -> [(name: String, profile: Profile)] {
        let dir = repo + "/profiles"
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }.sorted()
        let variables = ProfileVariables(workspace: "/tmp", home: "/root",
                                         environment: ["KUBECONFIG": "/root/.kube/config", "KUBE_API_SERVER": "127.0.0.1:6443",
                                                       "PATH": "/usr/bin:/bin"])
        return try names.map { ($0, try ProfileLoader(variables: variables).load(dir + "/" + $0)) }
    }

    /// The table's entries as `contain run` would ask for them: one per distinct key, in profile order.
    static func expectedEntries() throws -> [(key: String, program: SeccompProgram)] {
        var out: [(key: String, program: SeccompProgram)] = []
        for (_, profile) in try shippedProfiles() {
            let policy = profile.environment.syscalls
            let network = profile.environment.network
            let key = SeccompCompileKey.text(policy, mode: .enforce, brokerNetwork: network.isBrokered)
            if out.contains(where: { $0.key == key }) { continue }
            out.append((key, try SeccompCompiler.compile(policy, mode: .enforce, network: network)))
        }
        return out
    }

    @Test func shippedProgramsAreCurrent() throws {
        let path = Self.repo + "/Sources/ContainSandbox/Seccomp/ShippedPrograms.swift"
        let generated = ShippedPrograms.swiftSource(try Self.expectedEntries())
        if ProcessInfo.processInfo.environment["CONTAIN_REGENERATE_PROGRAMS"] == "1" {
            try generated.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let current = try? String(contentsOfFile: path, encoding: .utf8)
        #expect(current == generated, "ShippedPrograms.swift is out of date with the compiler or profiles/; regenerate it (see its header)")
    }

    /// What the compiled-in table gives (not the file on disk) is what the compiler gives, for every
    /// shipped profile, and the table holds nothing else.
    @Test func everyShippedProfileIsAHitWithTheCompilersBytes() throws {
        let expected = try Self.expectedEntries()
        #expect(ShippedPrograms.table.count == expected.count)
        for (name, profile) in try Self.shippedProfiles() {
            let policy = profile.environment.syscalls, network = profile.environment.network
            let key = SeccompCompileKey.text(policy, mode: .enforce, brokerNetwork: network.isBrokered)
            let hit = try #require(ShippedPrograms.lookup(key), "\(name): no precompiled program (regenerate ShippedPrograms.swift)")
            let compiled = try SeccompCompiler.compile(policy, mode: .enforce, network: network)
            #expect(hit.bytes == compiled.bytes, "\(name): precompiled program differs from the compiler's")
            #expect(hit.usesNotify == compiled.usesNotify)
            // What `run` gets: the table's program, with no planning done for it.
            let viaRun = try SeccompCompilation(policy, mode: .enforce, network: network).wait().get()
            #expect(viaRun.bytes == compiled.bytes)
            #expect(viaRun.plan == nil, "a hit does no planning: the listener plans on its own thread")
        }
    }

    /// An attacker who controls a profile wants a table program to stand for a policy it was not compiled
    /// from (say, the strict program for a policy whose text differs). Any change of input must miss the
    /// table, and the program is then compiled from the actual policy.
    @Test func anyChangeOfInputMissesTheTable() throws {
        let strict = try #require(try Self.shippedProfiles().first { $0.name == "strict.yaml" }).profile
        let policy = strict.environment.syscalls
        #expect(ShippedPrograms.lookup(SeccompCompileKey.text(policy, mode: .enforce, brokerNetwork: false)) != nil)

        var variants: [(String, SyscallPolicy, SeccompMode, Bool)] = []
        var p = policy; p.allow.append("ptrace"); variants.append(("one more allowed call", p, .enforce, false))
        p = policy; p.allow.removeLast(); variants.append(("one fewer allowed call", p, .enforce, false))
        p = policy; p.report = false; variants.append(("report off", p, .enforce, false))
        p = policy; p.defaultAction = .errno(38); variants.append(("another default errno", p, .enforce, false))
        p = policy; p.socketFamilies.append("inet"); variants.append(("another socket family", p, .enforce, false))
        p = policy; p.allowNamespaceCreation = true; variants.append(("namespaces allowed", p, .enforce, false))
        p = policy; p.allowIOUring = true; variants.append(("io_uring allowed", p, .enforce, false))
        p = policy; p.allowForeignArchitectures = true; variants.append(("foreign architectures", p, .enforce, false))
        p = policy; p.rules.append(SyscallRule(id: "x", syscall: "uname", action: .errno(1)))
        variants.append(("one more rule", p, .enforce, false))
        variants.append(("observe mode", policy, .observe, false))
        variants.append(("brokered network", policy, .enforce, true))
        for (what, variant, mode, broker) in variants {
            let key = SeccompCompileKey.text(variant, mode: mode, brokerNetwork: broker)
            #expect(ShippedPrograms.lookup(key) == nil, "\(what) must not select a precompiled program")
            let viaRun = try SeccompCompilation(variant, mode: mode, network: broker ? .allow([]) : .none).wait().get()
            let compiled = try SeccompCompiler.compile(variant, mode: mode, network: broker ? .allow([]) : .none)
            #expect(viaRun.bytes == compiled.bytes, "\(what)")
        }
        // The rule changes above change the program too (else the test would prove nothing about misses).
        var denied = policy; denied.allow.removeAll { $0 == "uname" }
        #expect(try SeccompCompiler.compile(denied, mode: .enforce).bytes != ShippedPrograms.lookup(SeccompCompileKey.text(policy, mode: .enforce, brokerNetwork: false))?.bytes)
    }

    /// Length prefixes make the key injective. Each pair below spells the same text when fields are simply
    /// written one per line (checked with that naive layout first, so the pairs really are forgeries); the
    /// key must still tell them apart.
    @Test func keysCannotBeForgedThroughFieldText() {
        func naive(_ p: SyscallPolicy) -> String {
            p.allow.map { "- \($0)\n" }.joined() + p.rules.map { "id \($0.id)\nsyscall \($0.syscall)\n" }.joined()
        }
        func key(_ p: SyscallPolicy) -> String { SeccompCompileKey.text(p, mode: .enforce, brokerNetwork: false) }
        var a = SyscallPolicy(), b = SyscallPolicy()
        a.rules = [SyscallRule(id: "x\nsyscall uname", syscall: "getpid", action: .errno(1))]
        b.rules = [SyscallRule(id: "x", syscall: "uname\nsyscall getpid", action: .errno(1))]
        #expect(naive(a) == naive(b))
        #expect(key(a) != key(b))
        var c = SyscallPolicy(), d = SyscallPolicy()
        c.allow = ["read", "write"]
        d.allow = ["read\n- write"]
        #expect(naive(c) == naive(d))
        #expect(key(c) != key(d))
        // Source locations only label reports: they are not part of the key.
        var e = SyscallPolicy(), f = SyscallPolicy()
        e.rules = [SyscallRule(id: "r", syscall: "uname", action: .kill)]
        f.rules = [SyscallRule(id: "r", syscall: "uname", action: .kill, location: SourceLocation(file: "x.yaml", line: 3, column: 1))]
        #expect(key(e) == key(f))
    }

    /// The generated literal round-trips any key, including characters that need escaping.
    @Test func generatedSourceEscapesKeys() {
        let program = SeccompProgram(bytes: [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f], usesNotify: false, instructionCount: 1)
        let src = ShippedPrograms.swiftSource([(key: "a \"q\" \\ \u{1}\ttab\nline\n", program: program)])
        #expect(src.contains(#"a \"q\" \\ \u{1}\u{9}tab"#))
        #expect(src.contains("060000000000ff7f"))
    }
}
