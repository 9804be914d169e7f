// `network: { allow: [...] }` resolved once, at start, by the supervisor: the exact (address, port) pairs the
// broker will connect to, and the /etc/hosts and resolv.conf texts the sandbox gets (the sandbox resolves
// the allowed names from /etc/hosts and nothing else: its resolv.conf points at its own empty loopback).
// Resolving here, not per connect, means a DNS answer cannot change what is reachable mid-run.

import ContainProfile
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address and a port. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are stored as IPv4.
public struct NetworkEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// 4 or 16 bytes.
    public var address: [UInt8]
    public var port: UInt16

    public init(address: [UInt8], port: UInt16) {
        if address.count == 16, address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xff, address[11] == 0xff {
            self.address = Array(address[12..<16])
        } else {
            self.address = address
        }
        self.port = port
    }

    public var isIPv4: Bool { address.count == 4 }

    /// 127/8, ::1, and the unspecified addresses (a connect to 0.0.0.0 or :: reaches the local host).
    public var isLoopback: Bool {
        if isIPv4 { return address[0] == 127 || address.allSatisfy { $0 == 0 } }
        return address[0..<15].allSatisfy { $0 == 0 } && (address[15] == 1 || address[15] == 0)
    }

    public var addressText: String {
        if isIPv4 { return address.map(String.init).joined(separator: ".") }
        return Sockaddr.ipv6(address)
    }

    public var description: String { isIPv4 ? "\(addressText):\(port)" : "[\(addressText)]:\(port)" }

    /// Parses a sockaddr_in / sockaddr_in6 as the target passed it (network byte order).
    static func parse(_ b: [UInt8]) -> NetworkEndpoint? {
        guard b.count >= 2 else { return nil }
        let family = UInt16(b[0]) | UInt16(b[1]) << 8
        let port = UInt16(b.count > 3 ? b[2] : 0) << 8 | UInt16(b.count > 3 ? b[3] : 0)
        if family == UInt16(AF_INET), b.count >= 8 { return NetworkEndpoint(address: Array(b[4..<8]), port: port) }
        if family == UInt16(AF_INET6), b.count >= 24 { return NetworkEndpoint(address: Array(b[8..<24]), port: port) }
        return nil
    }
}

public struct NetworkAllowlist: Sendable {
    /// The profile's entries, in order.
    public private(set) var destinations: [NetworkDestination]
    /// Resolved endpoint -> the profile entry it came from.
    public private(set) var endpoints: [NetworkEndpoint: NetworkDestination]
    /// Host names (not literals) and their addresses, for /etc/hosts.
    public private(set) var names: [(String, [String])]

    public init(destinations: [NetworkDestination], endpoints: [NetworkEndpoint: NetworkDestination], names: [(String, [String])]) {
        self.destinations = destinations; self.endpoints = endpoints; self.names = names
    }

    /// Resolves every entry with getaddrinfo. A name that does not resolve is an error (fail closed: the
    /// profile asked for a destination contain cannot pin down).
    public static func resolve(_ destinations: [NetworkDestination]) throws(SeccompError) -> NetworkAllowlist {
        var endpoints: [NetworkEndpoint: NetworkDestination] = [:]
        var names: [(String, [String])] = []
        for d in destinations {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_family = AF_UNSPEC
            var res: UnsafeMutablePointer<addrinfo>?
            let rc = getaddrinfo(d.host, String(d.port), &hints, &res)
            guard rc == 0, let first = res else {
                let why = rc == EAI_SYSTEM ? SeccompError.errnoName(errno) : String(cString: gai_strerror(rc))
                throw .network("cannot resolve \(d) from network.allow: \(why); fix: check the name, or list its address instead")
            }
            defer { freeaddrinfo(first) }
            var addrs: [String] = []
            var p: UnsafeMutablePointer<addrinfo>? = first
            while let ai = p {
                if let sa = ai.pointee.ai_addr {
                    let bytes = [UInt8](UnsafeRawBufferPointer(start: sa, count: Int(ai.pointee.ai_addrlen)))
                    if let ep = NetworkEndpoint.parse(bytes) {
                        endpoints[ep] = endpoints[ep] ?? d
                        if !addrs.contains(ep.addressText) { addrs.append(ep.addressText) }
                    }
                }
                p = ai.pointee.ai_next
            }
            if !isLiteral(d.host), !names.contains(where: { $0.0 == d.host }) { names.append((d.host, addrs)) }
        }
        return NetworkAllowlist(destinations: destinations, endpoints: endpoints, names: names)
    }

    static func isLiteral(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    public func allows(_ ep: NetworkEndpoint) -> NetworkDestination? { endpoints[ep] }

    /// The sandbox's /etc/hosts: loopback plus each allowed name with the addresses the broker will accept.
    public var hostsFileText: String {
        var s = "# written by contain: only the destinations in network.allow resolve\n127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n"
        for (name, addrs) in names { for a in addrs { s += "\(a) \(name)\n" } }
        return s
    }

    /// The sandbox's resolv.conf: its own loopback, where nothing answers, so other names fail at once.
    public var resolvConfText: String {
        "# written by contain: names resolve from /etc/hosts only (network.allow)\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n"
    }
}
