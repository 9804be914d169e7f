// The accumulator learn mode feeds from the audit log: every event either wall records goes through `record`,
// from whichever thread recorded it (the USER_NOTIF listener, the proxy's reader). It only counts and stores
// raw values; interpreting them (collapsing paths, parsing shell strings) happens once, when the profile is
// written, so the recording threads never wait on a parser.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ContainAudit
import ContainProfile
import ContainRuleKit
import Synchronization

/// A tool argument's value as learning keeps it.
public enum ArgValue: Hashable, Sendable {
    case string(String)
    /// An array of strings (argv forms, `paths[]`).
    case strings([String])
    /// Numbers, booleans, mixed arrays: their JSON text.
    case other(String)

    init(_ v: JSONValue) {
        switch v {
        case .string(let s): self = .string(s)
        case .array(let items) where items.allSatisfy({ $0.stringValue != nil }):
            self = .strings(items.compactMap(\.stringValue))
        default: self = .other(JSONSerializer.string(v))
        }
    }

    /// An audit record's rendered argument: JSON text when it parses as a string or an array, else the text.
    init(rendered text: String) {
        if let first = text.first, first == "[" || first == "\"", let v = try? JSONParser.parse(text) {
            self.init(v)
        } else {
            self = .string(text)
        }
    }

    var byteCount: Int {
        switch self {
        case .string(let s), .other(let s): return s.utf8.count
        case .strings(let a): return a.reduce(0) { $0 + $1.utf8.count + 3 }
        }
    }
}

/// Everything learn mode saw, as plain values.
public struct ObservationSnapshot: Sendable {
    public struct FileRecord: Sendable, Equatable {
        public var access: FileAccess
        public var count: Int
    }

    public struct ToolRecord: Sendable {
        public var calls: Int = 0
        /// Argument name ("a.b" for nested objects) -> value -> how often. Capped per argument
        /// (see `Observation.valueCap`).
        public var arguments: [String: [ArgValue: Int]] = [:]
        /// Values dropped once an argument reached the cap.
        public var droppedValues: Int = 0
        /// Whole `arguments` objects as JSON text -> how often (capped like values): rules that read a call as
        /// a whole (the kubernetes rule's per-server semantics) are learned from these.
        public var callArguments: [String: Int] = [:]
    }

    /// Syscall name -> calls seen.
    public var syscalls: [String: Int] = [:]
    /// Syscall name -> executables that made it (up to a few).
    public var syscallExes: [String: [String]] = [:]
    public var ioctlRequests: [String: Int] = [:]
    /// Lower-case family names without `AF_` ("unix", "inet6", "netlink"), or the number as text.
    public var socketFamilies: [String: Int] = [:]
    /// Individual CLONE_* flag names seen on clone/clone3/unshare.
    public var cloneFlags: [String: Int] = [:]
    public var prctlOptions: [String: Int] = [:]
    /// Absolute path -> what was done to it.
    public var files: [String: FileRecord] = [:]
    /// Paths that were not absolute (the listener could not resolve them): shown for review.
    public var unresolvedPaths: [String: Int] = [:]
    /// execve'd programs -> count.
    public var executed: [String: Int] = [:]
    /// inet/inet6 connect destinations as "host:port" / "[v6]:port" -> count.
    public var connects: [String: Int] = [:]
    /// Ports the sandboxed processes bound (a loopback connect to one of these stays inside the sandbox).
    public var boundPorts: Set<UInt16> = []
    /// Abstract unix socket names ("@name") connected to.
    public var abstractSockets: [String: Int] = [:]
    public var tools: [String: ToolRecord] = [:]
    /// Events at either wall that were still refused while learning (built-in kill/deny rules, a broken view).
    public var refused: [String: Int] = [:]
    public var eventCount: Int = 0
    /// Request ids of calls `LearningRule` already recorded (their audit records are not counted twice).
    var ruleSeenRequests: Set<String> = []
    /// Processes already asked how they were started.
    var seenPIDs: Set<Int32> = []
    public var exes: Set<String> = []

    public init() {}
}

public final class Observation: Sendable {
    /// Distinct values kept per tool argument: enough for any real workload, bounded for a runaway one.
    public static let valueCap = 4096
    /// Longest argument value kept (file contents passed to write tools are not interesting).
    public static let valueLengthCap = 4096
    static let exesPerSyscall = 4
    /// Longest whole call kept (a write tool's content makes calls large and is never what a rule reads).
    static let callLengthCap = 16384

    private let state = Mutex(ObservationSnapshot())
    /// The path a process was started by (argv[0] when it names a path), or nil.
    private let invocation: @Sendable (_ pid: Int32, _ exe: String) -> String?
    static let pidCap = 1 << 16

    /// `invocation` finds the path a new process was started by; the default reads /proc/PID/cmdline.
    public init(invocation: @escaping @Sendable (_ pid: Int32, _ exe: String) -> String? = { ProcessInvocation.path(pid: $0, exe: $1) }) {
        self.invocation = invocation
    }

    /// Routes every event the log records into this observation.
    public func attach(to log: AuditLog) {
        log.addObserver { [self] event in self.record(event) }
    }

    public var snapshot: ObservationSnapshot { state.withLock { $0 } }

    public func record(_ e: AuditEvent) {
        let newProcess = state.withLock { s -> Bool in
            s.eventCount += 1
            defer { record(e, into: &s) }
            guard e.wall == .environment, let pid = e.pid, e.exe != nil, s.seenPIDs.count < Self.pidCap else { return false }
            return s.seenPIDs.insert(pid).inserted
        }
        // execve is not traced, so a program started through a symlink (/bin/sh -> dash, a venv's
        // bin/python) is known only by its real path; the path it was started by comes from its argv[0].
        // Read outside the lock: the listener thread must not hold up the proxy's thread on a file read.
        if newProcess, let pid = e.pid, let exe = e.exe, let path = invocation(pid, exe), path != exe {
            state.withLock { s in Self.addFile(path, access: .execute, into: &s) }
        }
    }

    private func record(_ e: AuditEvent, into s: inout ObservationSnapshot) {
        // The listener names the executable of every process it hears from. execve itself is let
        // through untraced (the launcher needs it before the listener exists), so this is how programs
        // the server runs are learned.
        if e.wall == .environment, let exe = e.exe, exe.hasPrefix("/"), s.exes.insert(exe).inserted {
            Self.addFile(exe, access: .execute, into: &s)
            s.executed[exe, default: 0] += 1
        }
        if e.verdict == .blocked {
            s.refused["\(e.wall.rawValue) \(e.event) \(e.syscall ?? e.tool ?? "")", default: 0] += 1
        }
        switch (e.wall, e.event) {
        case (.environment, "syscall"):
            if let name = e.syscall { Self.recordSyscall(name, e, into: &s) }
        case (.environment, "connect"):
            Self.recordConnect(e.args, into: &s)
        case (.environment, "path"):
            if let p = SyscallArgKeys.first(SyscallArgKeys.path, in: e.args) {
                Self.addFile(p, access: Self.accessFromDetail(e.args), into: &s)
            }
        case (.transport, "tool_call"):
            // Calls reach learning through `LearningRule` with their full arguments; an audit record is
            // used only when no rule saw the call (the rule and the record share the request id).
            if let tool = e.tool ?? e.inFlight?.tool, !s.ruleSeenRequests.contains(e.requestID ?? "\u{0}") {
                Self.recordTool(tool, e.args.map { ($0.0, ArgValue(rendered: $0.1)) }, into: &s)
            }
        default:
            break
        }
    }

    // MARK: - environment wall

    private static func recordSyscall(_ name: String, _ e: AuditEvent, into s: inout ObservationSnapshot) {
        s.syscalls[name, default: 0] += 1
        if let exe = e.exe {
            var list = s.syscallExes[name] ?? []
            if list.count < exesPerSyscall, !list.contains(exe) { list.append(exe); s.syscallExes[name] = list }
        }
        let args = e.args
        let path = SyscallArgKeys.first(SyscallArgKeys.path, in: args)
        switch name {
        case _ where SyscallPathEffect.openCalls.contains(name):
            if let path {
                addFile(path, access: SyscallPathEffect.openAccess(flags: SyscallArgKeys.first(SyscallArgKeys.flags, in: args)), into: &s)
            }
        case _ where SyscallPathEffect.execCalls.contains(name):
            if let path {
                addFile(path, access: .execute, into: &s)
                if path.hasPrefix("/") { s.executed[path, default: 0] += 1 }
            }
        case _ where SyscallPathEffect.lookupCalls.contains(name):
            if let path { addFile(path, access: .lookup, into: &s) }
        case _ where SyscallPathEffect.writeCalls.contains(name):
            if let path { addFile(path, access: .write, into: &s) }
            if let p2 = SyscallArgKeys.first(SyscallArgKeys.path2, in: args) { addFile(p2, access: .write, into: &s) }
        case "inotify_add_watch":
            if let path { addFile(path, access: .list, into: &s) }
        case "ioctl":
            if let r = SyscallArgKeys.first(SyscallArgKeys.request, in: args) { s.ioctlRequests[r, default: 0] += 1 }
        case "socket", "socketpair":
            if let f = SyscallArgKeys.first(SyscallArgKeys.family, in: args) {
                s.socketFamilies[normalizedFamily(f), default: 0] += 1
            }
        case "clone", "clone3", "unshare":
            if let f = SyscallArgKeys.first(SyscallArgKeys.flags, in: args) {
                for flag in f.split(separator: "|") {
                    let t = flag.trimmingSpaces
                    if t.hasPrefix("CLONE_") { s.cloneFlags[t, default: 0] += 1 }
                }
            }
        case "prctl":
            if let o = SyscallArgKeys.first(SyscallArgKeys.option, in: args) { s.prctlOptions[o, default: 0] += 1 }
        case "connect":
            recordConnect(args, into: &s)
        case "sendto":
            // UDP without connect (DNS resolvers may do this); a connected socket has no address here.
            if SyscallArgKeys.first(SyscallArgKeys.address, in: args) != nil { recordConnect(args, into: &s) }
        case "bind":
            if let a = SyscallArgKeys.first(SyscallArgKeys.address, in: args), let port = NetworkAddress.parse(a)?.port {
                s.boundPorts.insert(port)
            } else if let p = path ?? SyscallArgKeys.first(SyscallArgKeys.address, in: args), p.hasPrefix("/") {
                addFile(p, access: .write, into: &s)
            }
        default:
            break
        }
    }

    private static func recordConnect(_ args: [(String, String)], into s: inout ObservationSnapshot) {
        guard let a = SyscallArgKeys.first(SyscallArgKeys.address, in: args) ?? SyscallArgKeys.first(SyscallArgKeys.path, in: args)
        else { return }
        if a.hasPrefix("/") {
            // Connecting to a unix socket needs the socket file in the view; Landlock does not police connect.
            addFile(a, access: .read, into: &s)
        } else if a.hasPrefix("@") {
            s.abstractSockets[a, default: 0] += 1
        } else if let dest = NetworkAddress.parse(a) {
            s.connects[dest.description, default: 0] += 1
        } else {
            s.unresolvedPaths["connect " + a, default: 0] += 1
        }
    }

    private static func addFile(_ path: String, access: FileAccess, into s: inout ObservationSnapshot) {
        guard path.hasPrefix("/") else {
            if !path.isEmpty { s.unresolvedPaths[path, default: 0] += 1 }
            return
        }
        let p = LexicalPath.normalize(path)
        if var r = s.files[p] {
            r.access.formUnion(access); r.count += 1
            s.files[p] = r
        } else {
            s.files[p] = .init(access: access, count: 1)
        }
    }

    private static func accessFromDetail(_ args: [(String, String)]) -> FileAccess {
        switch args.first(where: { $0.0 == "access" })?.1 {
        case "write": return .write
        case "execute": return .execute
        default: return .read
        }
    }

    static func normalizedFamily(_ f: String) -> String {
        var t = f.trimmingSpaces
        if t.uppercased().hasPrefix("AF_") || t.uppercased().hasPrefix("PF_") { t = String(t.dropFirst(3)) }
        t = t.lowercased()
        if t == "local" || t == "file" { return "unix" }
        return t
    }

    // MARK: - transport wall

    /// A `tools/call` with its arguments as the client sent them (from `LearningRule`).
    public func recordToolCall(name: String, arguments: JSONValue, requestID: String) {
        var flat: [(String, ArgValue)] = []
        Self.flatten(arguments, prefix: "", depth: 0, into: &flat)
        let text = JSONSerializer.string(arguments)
        state.withLock { s in
            if s.ruleSeenRequests.count < 1 << 16 { s.ruleSeenRequests.insert(requestID) }
            Self.recordTool(name, flat, into: &s)
            if text.utf8.count <= Self.callLengthCap, var rec = s.tools[name] {
                if rec.callArguments[text] != nil || rec.callArguments.count < Self.valueCap {
                    rec.callArguments[text, default: 0] += 1
                } else {
                    rec.droppedValues += 1
                }
                s.tools[name] = rec
            }
        }
    }

    private static func flatten(_ v: JSONValue, prefix: String, depth: Int, into out: inout [(String, ArgValue)]) {
        guard case .object(let members) = v else { return }
        for (k, value) in members {
            let key = prefix.isEmpty ? k : prefix + "." + k
            if case .object = value, depth < 3 { flatten(value, prefix: key, depth: depth + 1, into: &out) }
            else { out.append((key, ArgValue(value))) }
        }
    }

    private static func recordTool(_ tool: String, _ args: [(String, ArgValue)], into s: inout ObservationSnapshot) {
        var rec = s.tools[tool] ?? .init()
        rec.calls += 1
        for (k, v) in args where v.byteCount <= valueLengthCap {
            var values = rec.arguments[k] ?? [:]
            if values[v] == nil && values.count >= valueCap { rec.droppedValues += 1; continue }
            values[v, default: 0] += 1
            rec.arguments[k] = values
        }
        s.tools[tool] = rec
    }
}

/// A connect/bind destination as the profile writes it.
struct NetworkAddress: Hashable, CustomStringConvertible {
    var host: String
    var port: UInt16

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    var isLoopback: Bool { host == "::1" || host.hasPrefix("127.") || host == "localhost" }

    /// "1.2.3.4:443", "[::1]:9000", "host.example:80"; anything else is nil.
    static func parse(_ text: String) -> NetworkAddress? {
        let t = text.trimmingSpaces
        if t.hasPrefix("[") {
            guard let close = t.firstIndex(of: "]") else { return nil }
            let host = String(t[t.index(after: t.startIndex)..<close])
            let rest = t[t.index(after: close)...]
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()), !host.isEmpty else { return nil }
            return NetworkAddress(host: host, port: port)
        }
        guard let colon = t.lastIndex(of: ":"), let port = UInt16(t[t.index(after: colon)...]) else { return nil }
        let host = String(t[..<colon])
        guard !host.isEmpty, !host.contains(":"), !host.contains("/") else { return nil }
        return NetworkAddress(host: host, port: port)
    }
}

/// More lexical path helpers (`normalize` and `isNormal` are ContainProfile's).
extension LexicalPath {
    static func components(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func lastComponent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `inner` equals `outer` or lies below it, component-wise.
    static func isWithin(_ inner: String, _ outer: String) -> Bool {
        if outer == "/" { return inner.hasPrefix("/") }
        return inner == outer || inner.hasPrefix(outer + "/")
    }

    /// Every proper ancestor of an absolute path, nearest first ("/a/b/c" -> "/a/b", "/a", "/").
    static func ancestors(_ path: String) -> [String] {
        var out: [String] = []
        var p = path
        while p != "/" { p = parent(p); out.append(p) }
        return out
    }
}

/// How a process was started, from /proc/PID/cmdline: argv[0] when it names a path that leads to the
/// executable the process runs (programs may set argv[0] to anything; only a path that checks out counts).
public enum ProcessInvocation {
    public static func path(pid: Int32, exe: String) -> String? {
        let fd = open("/proc/\(pid)/cmdline", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 4096)
        var n = 0
        // procfs reads are not interrupted by signals, but retry EINTR anyway rather than learn nothing.
        repeat { n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } } while n < 0 && errno == EINTR
        guard n > 0 else { return nil }
        let argv0 = String(decoding: buf.prefix(n).prefix { $0 != 0 }, as: UTF8.self)
        guard !argv0.isEmpty else { return nil }
        guard argv0.contains("/") else { return searchPath(pid: pid, name: argv0, exe: exe) }
        var path = argv0
        if !path.hasPrefix("/") {
            var cwd = [CChar](repeating: 0, count: 4096)
            let len = readlink("/proc/\(pid)/cwd", &cwd, cwd.count - 1)
            guard len > 0 else { return nil }
            let dir = String(decoding: cwd.prefix(len).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            path = dir + "/" + path
        }
        path = LexicalPath.normalize(path)
        guard HostPathFacts().resolved(path) == exe else { return nil }
        return path
    }

    /// A bare argv[0] was found on PATH (execvp): the first PATH entry holding that name and leading to the
    /// executable is where it was started from. The process inherited the PATH it was looked up with.
    static func searchPath(pid: Int32, name: String, exe: String) -> String? {
        guard !name.contains("/"), name != ".", name != ".." else { return nil }
        let fd = open("/proc/\(pid)/environ", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while bytes.count < 1 << 20 {
            var n = 0
            repeat { n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } } while n < 0 && errno == EINTR
            if n <= 0 { break }
            bytes += chunk.prefix(n)
        }
        let prefix = Array("PATH=".utf8)
        guard let entry = bytes.split(separator: 0).first(where: { $0.starts(with: prefix) }) else { return nil }
        let value = String(decoding: entry.dropFirst(prefix.count), as: UTF8.self)
        let facts = HostPathFacts()
        for dir in value.split(separator: ":") where dir.hasPrefix("/") {
            let candidate = LexicalPath.normalize(dir + "/" + name)
            if facts.kind(candidate) != .missing {
                // The first hit is the one execvp ran; it either is this executable or the argv[0] lied.
                return facts.resolved(candidate) == exe ? candidate : nil
            }
        }
        return nil
    }
}
