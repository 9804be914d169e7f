import Testing
@testable import ContainProfile

@Suite struct LoaderBasics {
    @Test func fullSchemaFixtureLoads() throws {
        let p = try loader.load(Fixtures.path("full.yaml"))
        #expect(p.environment.filesystem.write == ["/work/ws"])
        #expect(p.environment.filesystem.deny == ["/home/tester/.ssh", "/work/ws/.env"])
        #expect(p.environment.filesystem.read.contains("/home/tester/.kube/config"))
        #expect(p.environment.network == .allow([NetworkDestination(host: "api.example.com", port: 443),
                                                 NetworkDestination(host: "127.0.0.1", port: 8080),
                                                 NetworkDestination(host: "::1", port: 9000)]))
        #expect(p.environment.limits.addressSpace == 4 << 30)
        #expect(p.environment.limits.stack == 8 << 20)
        #expect(p.environment.syscalls.allow.contains("openat"))
        #expect(p.environment.syscalls.allow.contains("ioctl"))
        let tiocsti = p.environment.syscalls.rules.first { $0.id == "no-tiocsti" }
        #expect(tiocsti?.args == [ArgCondition(index: 1, op: .maskedEq, value: 0x5412, mask: 0xffff_ffff)])
        #expect(p.environment.syscalls.rules.contains { $0.syscall == "mount" && $0.action == .errno(13) })
        #expect(p.environment.syscalls.rules.contains { $0.syscall == "kexec_load" && $0.action == .kill })
        #expect(p.mcp?.maxLineBytes == 64 << 20)
        #expect(p.mcp?.commands.first?.allow["git"]?.subcommands == ["status", "log", "diff", "show"])
        #expect(p.mcp?.paths.first?.allow == ["/work/ws/**"])
        #expect(p.mcp?.rateLimits.map(\.perSeconds) == [60, 60])
        #expect(p.warnings.isEmpty)
    }
}
