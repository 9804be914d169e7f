// network.allow brokering against the real kernel: the probe child connects, the listener's broker decides,
// connects from the supervisor and installs the socket with SECCOMP_IOCTL_NOTIF_ADDFD. Listeners are on
// 127.0.0.1 only; refused destinations are refused before any packet is sent.

import Testing
import ContainAudit
import ContainProfile
@testable import ContainSandbox
#if canImport(Glibc)
import Glibc
#endif

let ECONNREFUSED: Int32 = 111, EINPROGRESS: Int32 = 115

/// A TCP listener on 127.0.0.1, port chosen by the kernel.
final class LoopbackListener {
    let fd: Int32
    let port: UInt16
    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.fd = fd
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let ok = withUnsafePointer(to: &a) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0, listen(fd, 8) == 0 else { throw ProbeError.setup("listen") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) { p in p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.port = UInt16(bigEndian: a.sin_port)
    }
    /// Accepts one connection (non-blocking check: the broker connected before the child's call returned).
    func acceptNow() -> Int32 {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) == 1 else { return -1 }
        return accept(fd, nil, nil)
    }
    deinit { close(fd) }
}

func sockaddrIn(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) -> [UInt8] {
    [UInt8(AF_INET), 0, UInt8(port >> 8), UInt8(port & 0xff), a, b, c, d, 0, 0, 0, 0, 0, 0, 0, 0]
}

func readAll(_ fd: Int32) -> String {
    var buf = [UInt8](repeating: 0, count: 256)
    let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : ""
}

@Suite(.serialized) struct SeccompNetworkBrokerTests {
    let allowed = ["socket", "connect", "sendto", "write", "close", "getpid"]
    let stream = UInt64(SOCK_STREAM.rawValue), dgram = UInt64(SOCK_DGRAM.rawValue)

    @Test func anAllowedDestinationIsConnectedByTheSupervisorAndUsable() throws {
        let host = try LoopbackListener()
        let net = try NetworkAllowlist.resolve([NetworkDestination(host: "127.0.0.1", port: host.port)])
        let s = ProbeStrings()
        let addr = s.address(bytes: sockaddrIn(127, 0, 0, 1, port: host.port))
        let log = AuditLog(fd: nil, level: .all)
        let o = try SeccompProbe.run(.allowing(allowed, report: true), [
            ProbeCall(NR.socket, 2, stream, 0),
            ProbeCall(NR.connect, SeccompProbe.resultOf(0), addr, 16),
            ProbeCall(NR.write, SeccompProbe.resultOf(0), s.address("ping"), 4),
        ], audit: log, network: net)
        #expect(o.returns[0] >= 3)
        #expect(o.errnos[1] == 0 && o.returns[1] == 0) // connect returns 0, not the installed fd number
        #expect(o.returns[2] == 4)
        let conn = host.acceptNow()
        #expect(conn >= 0)
        if conn >= 0 { #expect(readAll(conn) == "ping"); close(conn) }
    }

    @Test func aNonBlockingConnectBehavesAsProgramsExpect() throws {
        let host = try LoopbackListener()
        let net = try NetworkAllowlist.resolve([NetworkDestination(host: "127.0.0.1", port: host.port)])
        let s = ProbeStrings()
        let o = try SeccompProbe.run(.allowing(allowed, report: true), [
            ProbeCall(NR.socket, 2, stream | UInt64(O_NONBLOCK), 0),
            ProbeCall(NR.connect, SeccompProbe.resultOf(0), s.address(bytes: sockaddrIn(127, 0, 0, 1, port: host.port)), 16),
        ], audit: AuditLog(fd: nil), network: net)
        #expect(o.errnos[1] == 0 || o.errnos[1] == EINPROGRESS)
        // The installed socket is the supervisor's: the connection exists on the host listener.
        var p = pollfd(fd: host.fd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&p, 1, 5000) == 1)
    }

    @Test func anythingElseIsRefusedAndReportedWithItsDestination() throws {
        let host = try LoopbackListener()
        let other = try LoopbackListener()
        let net = try NetworkAllowlist.resolve([NetworkDestination(host: "127.0.0.1", port: host.port)])
        let s = ProbeStrings()
        let log = AuditLog(fd: nil)
        let o = try SeccompProbe.run(.allowing(allowed, report: true), [
            ProbeCall(NR.socket, 2, stream, 0),
            // An address outside the allowlist: refused before any packet leaves.
            ProbeCall(NR.connect, SeccompProbe.resultOf(0), s.address(bytes: sockaddrIn(10, 255, 255, 1, port: 443)), 16),
            // Another host port on loopback: the supervisor shares this test's network namespace, so
            // continuing in the sandbox would reach the host: refused.
            ProbeCall(NR.connect, SeccompProbe.resultOf(0), s.address(bytes: sockaddrIn(127, 0, 0, 1, port: other.port)), 16),
            // UDP to an outside resolver, connected and unconnected.
            ProbeCall(NR.socket, 2, dgram, 0),
            ProbeCall(NR.sendto, SeccompProbe.resultOf(3), s.address("q"), 1, 0, s.address(bytes: sockaddrIn(10, 255, 255, 2, port: 53)), 16),
            // UDP "connect" to the allowed endpoint: only TCP is brokered.
            ProbeCall(NR.connect, SeccompProbe.resultOf(3), s.address(bytes: sockaddrIn(127, 0, 0, 1, port: host.port)), 16),
        ], audit: log, network: net)
        #expect(o.errnos[1] == ECONNREFUSED)
        #expect(o.errnos[2] == EACCES)
        #expect(other.acceptNow() < 0)
        #expect(o.errnos[4] == EACCES)
        #expect(o.errnos[5] == ECONNREFUSED)
        let connects = log.groups.filter { $0.key.event == "connect" }
        #expect(connects.reduce(0) { $0 + $1.count } == 4)
        let first = connects.first { $0.key.what == "10.255.255.1:443" }
        #expect(first?.example.detail == "blocked connect to 10.255.255.1:443 (not in network.allow)")
        #expect(first?.example.args.contains { $0 == ("address", "10.255.255.1:443") } == true)
        let send = connects.first { $0.example.syscall == "sendto" }
        #expect(send?.example.detail == "blocked send to 10.255.255.2:53 (not in network.allow)")
    }

    @Test func namesResolveAtStartAndFillTheHostsFile() throws {
        let net = try NetworkAllowlist.resolve([NetworkDestination(host: "localhost", port: 8080),
                                                NetworkDestination(host: "::1", port: 9000)])
        #expect(net.allows(NetworkEndpoint(address: [127, 0, 0, 1], port: 8080)) != nil)
        #expect(net.allows(NetworkEndpoint(address: [127, 0, 0, 1], port: 8081)) == nil)
        #expect(net.allows(NetworkEndpoint(address: Array(repeating: 0, count: 15) + [1], port: 9000)) != nil)
        // IPv4-mapped IPv6 is the IPv4 address.
        #expect(net.allows(NetworkEndpoint(address: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1], port: 8080)) != nil)
        #expect(net.hostsFileText.contains("127.0.0.1 localhost"))
        #expect(throws: SeccompError.self) { try NetworkAllowlist.resolve([NetworkDestination(host: "no-such-host.invalid", port: 1)]) }
    }
}
