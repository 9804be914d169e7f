// Rendering of syscall arguments for reports: flag names, families, addresses. The values are kernel ABI.

import Testing
@testable import ContainSandbox

@Suite struct SeccompArgumentDecoderTests {
    @Test func cloneAndUnshareFlags() {
        #expect(CloneFlags.render(0x1000_0000 | 0x0002_0000 | 17, signalByte: true) == "SIGCHLD|CLONE_NEWNS|CLONE_NEWUSER")
        #expect(CloneFlags.render(0x80, signalByte: false) == "CLONE_NEWTIME")
        #expect(CloneFlags.render(0x1_0000_0000, signalByte: false) == "0x100000000")
    }

    @Test func ioctlNamesKeepTheHighBitsVisible() {
        #expect(IoctlNames.name(0x5412) == "TIOCSTI")
        #expect(IoctlNames.name(0x1_0000_5412) == "TIOCSTI (0x100005412)")
        #expect(IoctlNames.name(0xdead) == "0xdead")
    }

    @Test func socketsAndAddresses() {
        #expect(SocketFamilies.name(17) == "AF_PACKET")
        #expect(SocketFamilies.name(0x1_0000_0028) == "AF_VSOCK")
        #expect(SocketFamilies.typeName(1 | 0o4000 | 0o2000000) == "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC")
        #expect(Sockaddr.render([2, 0, 0x01, 0xbb, 93, 184, 216, 34, 0, 0, 0, 0, 0, 0, 0, 0]) == "93.184.216.34:443")
        var v6: [UInt8] = [10, 0, 0x23, 0x28, 0, 0, 0, 0] + Array(repeating: 0, count: 15) + [1]
        v6 += [0, 0, 0, 0]
        #expect(Sockaddr.render(v6) == "[::1]:9000")
        #expect(Sockaddr.render([1, 0] + Array("/run/x.sock".utf8) + [0]) == "/run/x.sock")
        #expect(Sockaddr.render([1, 0, 0] + Array("abstract".utf8)) == "@abstract")
        #expect(SocketFamilies.number("AF_INET6") == 10 && SocketFamilies.number("local") == 1)
    }

    @Test func modesAndOpenFlags() {
        #expect(FileModes.render(0o4755) == "04755")
        #expect(FileModes.render(0o020600) == "S_IFCHR|0600")
        #expect(OpenFlags.render(0o2000000 | 0o100 | 1) == "O_WRONLY|O_CREAT|O_CLOEXEC")
        #expect(OpenFlags.render(0o20200000 | 2) == "O_RDWR|O_TMPFILE")
    }

    @Test func endpointsNormaliseMappedAddresses() {
        let mapped = NetworkEndpoint(address: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 5], port: 6443)
        #expect(mapped.isIPv4 && mapped.description == "10.0.0.5:6443")
        #expect(NetworkEndpoint(address: [127, 1, 2, 3], port: 1).isLoopback)
        #expect(!NetworkEndpoint(address: [10, 0, 0, 1], port: 1).isLoopback)
    }
}
