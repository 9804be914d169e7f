// The `environment:` section: namespaces, filesystem view, network, environment variables, limits, seccomp.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension ProfileDecoder {
    static let environmentKeys = ["namespaces", "filesystem", "network", "env", "limits", "root_maps_to", "syscalls"]

    mutating func decodeEnvironment(_ node: YNode) -> EnvironmentPolicy {
        var env = EnvironmentPolicy()
        guard let f = fields(node, "environment", known: Self.environmentKeys) else { return env }
        var explicitNamespaces: YNode?
        if let n = f["namespaces"], let items = list(n, "environment.namespaces") {
            explicitNamespaces = n
            // Collected in an array and made a set once: growing a Set<Namespace> looks its metadata up by
            // name at run time (a scan of every protocol conformance in the binary), on every start.
            var chosen: [Namespace] = []
            for item in items {
                guard let s = name(item, "a namespace") else { continue }
                if let ns = Namespace(rawValue: s) { chosen.append(ns) }
                else if s == "mnt" { chosen.append(.mount) }
                else if s == "network" { chosen.append(.net) }
                else {
                    let names = Namespace.allCases.map(\.rawValue)
                    error(item.location, "unknown namespace '\(s)'\(Suggestion.hint(for: s, in: names)); namespaces are \(names.joined(separator: ", "))")
                }
            }
            env.namespaces = Set(chosen)
        }
        if let n = f["filesystem"] { env.filesystem = decodeFilesystem(n) }
        if let n = f["network"] { env.network = decodeNetwork(n) }
        if let n = f["env"] { env.env = decodeEnv(n) }
        if let n = f["limits"] { env.limits = decodeLimits(n) }
        if let n = f["root_maps_to"], let v = integer(n, "environment.root_maps_to", in: 0...4_294_967_294) {
            if v == 0 { error(n.location, "environment.root_maps_to must not be 0: the server must never hold host root; use an unprivileged uid such as 65534") }
            else { env.rootMapsTo = UInt32(v) }
        }
        if let n = f["syscalls"] { env.syscalls = decodeSyscalls(n) }

        switch env.network {
        case .host:
            // No network namespace at all: the host's network is the point.
            env.namespaces.remove(.net)
        case .none, .allow:
            if let n = explicitNamespaces, !env.namespaces.contains(.net) {
                error(n.location, "environment.namespaces leaves out 'net' but network is not 'host': add net, or set network: host")
            }
        }
        return env
    }

    // MARK: filesystem

    static let filesystemKeys = ["read", "execute", "write", "deny", "tmp", "dev", "proc", "runtime"]

    mutating func decodeFilesystem(_ node: YNode) -> FilesystemPolicy {
        var fs = FilesystemPolicy()
        guard let f = fields(node, "environment.filesystem", known: Self.filesystemKeys) else { return fs }
        fs.read = paths(f["read"], "environment.filesystem.read")
        fs.execute = paths(f["execute"], "environment.filesystem.execute")
        fs.write = paths(f["write"], "environment.filesystem.write")
        fs.deny = paths(f["deny"], "environment.filesystem.deny")
        if let n = f["tmp"], let v = choice(n, "environment.filesystem.tmp", ["private", "none"]) { fs.privateTmp = v == "private" }
        if let n = f["dev"], let v = choice(n, "environment.filesystem.dev", ["minimal", "none"]), let d = DevPolicy(rawValue: v) { fs.dev = d }
        if let n = f["proc"], let v = bool(n, "environment.filesystem.proc") { fs.proc = v }
        if let n = f["runtime"] {
            if case .scalar(let s, true) = n.kind, let b = YScalar.bool(s) { fs.runtime = b }
            else if let v = choice(n, "environment.filesystem.runtime", ["auto", "off"]) { fs.runtime = v == "auto" }
        }
        return fs
    }

    private mutating func paths(_ node: YNode?, _ what: String) -> [String] {
        guard let node, let items = list(node, what) else { return [] }
        var out: [String] = []
        for item in items {
            if let p = absolutePath(item, "an entry of \(what)"), !out.contains(p) { out.append(p) }
        }
        return out
    }

    // MARK: network

    mutating func decodeNetwork(_ node: YNode) -> NetworkPolicy {
        switch node.kind {
        case .scalar:
            guard let v = choice(node, "environment.network", ["none", "host"]) else { return .none }
            return v == "host" ? .host : .none
        case .mapping:
            guard let f = fields(node, "environment.network", known: ["allow"], required: ["allow"]),
                  let n = f["allow"], let items = list(n, "environment.network.allow") else { return .none }
            var dests: [NetworkDestination] = []
            for item in items {
                guard let raw = text(item, "a network destination"),
                      let s = expand(raw, at: item.location, "a network destination") else { continue }
                switch NetworkDestinationParser.parse(s) {
                case .success(let d): if !dests.contains(d) { dests.append(d) }
                case .failure(let problem): error(item.location, "network destination '\(s)': \(problem.message)")
                }
            }
            return .allow(dests)
        case .sequence:
            error(node.location, "environment.network must be none, host, or { allow: [\"host:port\", ...] }, found a list")
            return .none
        }
    }

    // MARK: env

    mutating func decodeEnv(_ node: YNode) -> EnvPolicy {
        var e = EnvPolicy()
        guard let f = fields(node, "environment.env", known: ["keep", "set"]) else { return e }
        if let n = f["keep"], let items = list(n, "environment.env.keep") {
            var keep: [String] = []
            for item in items {
                guard let s = name(item, "an entry of environment.env.keep") else { continue }
                if EnvName.isValid(s) { if !keep.contains(s) { keep.append(s) } }
                else { error(item.location, "'\(s)' is not an environment variable name (letters, digits, _; not starting with a digit)") }
            }
            e.keep = keep
        }
        if let n = f["set"] {
            if case .mapping(let pairs) = n.kind {
                // Sized before the first insert: growing a new [String: String] looks its storage type up by
                // name (and checks String: Hashable by scanning the binary's conformances) on every start.
                if e.set.isEmpty { e.set = Dictionary(minimumCapacity: pairs.count) }
                for p in pairs {
                    guard EnvName.isValid(p.key) else {
                        error(p.keyLocation, "'\(p.key)' is not an environment variable name (letters, digits, _; not starting with a digit)")
                        continue
                    }
                    if let v = expand(p.value, "environment.env.set.\(p.key)") { e.set[p.key] = v }
                }
            } else {
                error(n.location, "environment.env.set must be a mapping NAME: value, found \(n.typeName)")
            }
        }
        return e
    }

    // MARK: limits

    static let limitKeys = ["nofile", "nproc", "as", "fsize", "cpu", "core", "stack"]

    mutating func decodeLimits(_ node: YNode) -> Limits {
        var l = Limits()
        guard let f = fields(node, "environment.limits", known: Self.limitKeys) else { return l }
        func isUnlimited(_ n: YNode) -> Bool? {
            if case .scalar(let s, let plain) = n.kind {
                if s == "unlimited" { return true }
                if plain, YScalar.isNull(s) { return false }
            }
            return nil
        }
        for key in Self.limitKeys {
            guard let n = f[key] else { continue }
            let value: UInt64?
            if let u = isUnlimited(n) {
                value = u ? UInt64.max : nil   // null: inherit contain's own limit
            } else if ["as", "fsize", "core", "stack"].contains(key) {
                guard let v = size(n, "environment.limits.\(key)") else { continue }
                value = v
            } else {
                guard let v = integer(n, "environment.limits.\(key)", in: 0...Int64.max) else { continue }
                value = UInt64(v)
            }
            switch key {
            case "nofile": l.nofile = value
            case "nproc": l.nproc = value
            case "as": l.addressSpace = value
            case "fsize": l.fileSize = value
            case "cpu": l.cpuSeconds = value
            case "core": l.core = value
            default: l.stack = value
            }
        }
        return l
    }
}

enum EnvName {
    static func isValid(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return s.utf8.count <= 255 && s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }
}

/// `host:port`, `1.2.3.4:port`, `[v6]:port`.
public enum NetworkDestinationParser {
    public struct Problem: Error, Sendable { public var message: String }

    public static func parse(_ s: String) -> Result<NetworkDestination, Problem> {
        let host: String
        let portText: Substring
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { return .failure(Problem(message: "'[' without ']' around the IPv6 address")) }
            host = String(s[s.index(after: s.startIndex)..<close])
            let after = s[s.index(after: close)...]
            guard after.first == ":" else { return .failure(Problem(message: "expected ':PORT' after the ']' (e.g. [::1]:9000)")) }
            portText = after.dropFirst()
            guard isIPv6(host) else { return .failure(Problem(message: "'\(host)' is not an IPv6 address")) }
        } else {
            let colons = s.filter { $0 == ":" }.count
            if colons > 1 { return .failure(Problem(message: "an IPv6 address must be in brackets, e.g. [::1]:9000")) }
            guard let colon = s.lastIndex(of: ":") else { return .failure(Problem(message: "missing ':PORT' (write host:port, e.g. api.example.com:443)")) }
            host = String(s[..<colon])
            portText = s[s.index(after: colon)...]
            if host.isEmpty { return .failure(Problem(message: "missing host before ':'")) }
            let looksNumeric = host.allSatisfy { $0 == "." || $0.isASCII && $0.isNumber }
            if looksNumeric {
                guard isIPv4(host) else { return .failure(Problem(message: "'\(host)' is not an IPv4 address")) }
            } else if !isHostName(host) {
                return .failure(Problem(message: "'\(host)' is not a valid host name (letters, digits, '-' and '.'; labels of at most 63 characters)"))
            }
        }
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), portText.count <= 5, let port = Int(portText) else {
            return .failure(Problem(message: "the port must be a number from 1 to 65535"))
        }
        guard (1...65535).contains(port) else { return .failure(Problem(message: "port \(port) is out of range 1-65535")) }
        return .success(NetworkDestination(host: host.lowercased(), port: UInt16(port)))
    }

    static func isIPv4(_ s: String) -> Bool {
        var a = in_addr()
        return inet_pton(AF_INET, s, &a) == 1
    }

    static func isIPv6(_ s: String) -> Bool {
        var a = in6_addr()
        return inet_pton(AF_INET6, s, &a) == 1
    }

    static func isHostName(_ s: String) -> Bool {
        guard s.utf8.count <= 253 else { return false }
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { l in
            !l.isEmpty && l.utf8.count <= 63 && l.first != "-" && l.last != "-"
                && l.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }
}
