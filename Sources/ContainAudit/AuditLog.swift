// The audit sink shared by both walls: streams JSON lines (--audit), aggregates what was blocked for the
// exit summary (stderr) and the --report JSON. A process that loops on a denied call must not flood the
// log: after `perKeyLineLimit` identical events only the counter grows.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

public enum AuditClock {
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// RFC 3339 in UTC with milliseconds.
    public static func rfc3339(_ t: Double) -> String {
        var secs = time_t(t.rounded(.down))
        var tmv = tm()
        gmtime_r(&secs, &tmv)
        let ms = Int((t - t.rounded(.down)) * 1000)
        func pad(_ v: Int32, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(pad(tmv.tm_year + 1900, 4))-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2))T\(pad(tmv.tm_hour, 2)):\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2)).\(pad(Int32(ms), 3))Z"
    }
}

/// What the summary groups by.
public struct AuditKey: Hashable, Sendable {
    public var wall: Wall
    public var event: String
    public var verdict: Verdict
    public var rule: String
    /// syscall name, tool name or destination: what was attempted.
    public var what: String
    public var exe: String
    /// Tool calls refused for different reasons ("rm" vs "sh -c") are different lines in a report.
    public var variant: String = ""
}

public struct AuditGroup: Sendable {
    public var key: AuditKey
    public var count: Int
    public var firstTime: Double
    public var lastTime: Double
    /// The first event's detail and arguments, as an example.
    public var example: AuditEvent
    /// Tool calls in flight when these happened (up to a few).
    public var toolCalls: [ToolCallTag]
}

public final class AuditLog: Sendable {
    public static let perKeyLineLimit = 50
    public static let maxGroups = 1000

    private struct State {
        var fd: Int32?
        var level: AuditLevelSetting
        var groups: [AuditKey: AuditGroup] = [:]
        var order: [AuditKey] = []
        var notes: [String] = []
        var writeFailed = false
        var observers: [@Sendable (AuditEvent) -> Void] = []
    }

    public enum AuditLevelSetting: Sendable { case denials, all }

    private let state: Mutex<State>

    /// `fd`: an open, writable file for JSON lines (owned by the log from now on), or nil.
    public init(fd: Int32?, level: AuditLevelSetting = .denials) {
        state = Mutex(State(fd: fd, level: level))
    }

    /// Every recorded event is also handed to `observer` (learn mode builds a profile from them). Observers run
    /// on the recording thread, under no lock, so they must be quick and thread-safe.
    public func addObserver(_ observer: @escaping @Sendable (AuditEvent) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }

    /// Records an event: aggregated when not allowed; written as a line when the level asks for it.
    public func record(_ e: AuditEvent) {
        // The proxy records every allowed call; unless the profile says `audit: all`, such an event only
        // concerns observers (learn mode): skip building its group key and the second lock (measured ~225 ns
        // of each allowed call on the proxy's busier thread).
        let (observers, onlyObservers) = state.withLock { s in (s.observers, e.verdict == .allowed && s.level != .all) }
        for o in observers { o(e) }
        if onlyObservers { return }
        var key = AuditLog.key(for: e)
        state.withLock { s in
            // Distinct reasons get their own group until there are many; then they fold into one per tool,
            // so a client cannot grow the supervisor's memory without bound.
            if !key.variant.isEmpty && s.groups[key] == nil && s.groups.count >= AuditLog.maxGroups { key.variant = "" }
            var lineCount = 1
            if e.verdict != .allowed {
                if var g = s.groups[key] {
                    g.count += 1
                    g.lastTime = e.time
                    if let t = e.inFlight ?? e.tool.map({ ToolCallTag(tool: $0, requestID: e.requestID ?? "") }),
                       g.toolCalls.count < 5, !g.toolCalls.contains(t) { g.toolCalls.append(t) }
                    lineCount = g.count
                    s.groups[key] = g
                } else {
                    let tags = (e.inFlight ?? e.tool.map { ToolCallTag(tool: $0, requestID: e.requestID ?? "") }).map { [$0] } ?? []
                    s.groups[key] = AuditGroup(key: key, count: 1, firstTime: e.time, lastTime: e.time, example: e, toolCalls: tags)
                    s.order.append(key)
                }
            }
            guard let fd = s.fd, !s.writeFailed else { return }
            guard e.verdict != .allowed || s.level == .all else { return }
            guard lineCount <= AuditLog.perKeyLineLimit else { return }
            var line = AuditLog.jsonLine(e)
            if lineCount == AuditLog.perKeyLineLimit {
                line = String(line.dropLast()) + ",\"suppressing_further\":true}"
            }
            line += "\n"
            if !Self.writeAll(fd, line) { s.writeFailed = true }
        }
    }

    /// A line for the summary that is not an event (weakened guarantees, runtime paths added, ...).
    public func note(_ text: String) { state.withLock { $0.notes.append(text) } }

    public var groups: [AuditGroup] { state.withLock { s in s.order.compactMap { s.groups[$0] } } }
    public var notes: [String] { state.withLock { $0.notes } }
    public var blockedCount: Int { state.withLock { s in s.groups.values.reduce(0) { $0 + $1.count } } }

    public func close() {
        state.withLock { s in if let fd = s.fd { _ = Glibc.close(fd); s.fd = nil } }
    }

    /// What the summary groups by: the syscall or tool, except for network attempts, where the destination is
    /// what a reader needs to see (two refused hosts are two lines, not one).
    static func key(for e: AuditEvent) -> AuditKey {
        var what = e.syscall ?? e.tool ?? e.event
        if e.event == "connect", let dest = e.args.first(where: { $0.0 == "address" })?.1 {
            what = dest
        }
        var key = AuditKey(wall: e.wall, event: e.event, verdict: e.verdict, rule: e.rule, what: what, exe: e.exe ?? "")
        if e.event == "tool_call" { key.variant = String(e.detail.prefix(160)) }
        return key
    }

    public static func jsonLine(_ e: AuditEvent) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.field("time", AuditClock.rfc3339(e.time))
        w.field("wall", e.wall.rawValue)
        w.field("event", e.event)
        w.field("verdict", e.verdict.rawValue)
        w.field("rule", e.rule)
        w.field("pid", e.pid.map(Int.init))
        w.field("exe", e.exe)
        w.field("syscall", e.syscall)
        if !e.args.isEmpty {
            w.beginObject("args")
            for (k, v) in e.args { w.field(k, v) }
            w.endObject()
        }
        w.field("tool", e.tool ?? e.inFlight?.tool)
        if let id = e.requestID ?? e.inFlight?.requestID, !id.isEmpty { w.rawField("request_id", id) }
        w.field("detail", e.detail)
        w.endObject()
        return w.text
    }

    static func writeAll(_ fd: Int32, _ s: String) -> Bool {
        var ok = true
        var s = s
        s.withUTF8 { buf in
            guard let base = buf.baseAddress else { return }
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, base + off, buf.count - off)
                if n < 0 { if errno == EINTR { continue }; ok = false; return }
                off += n
            }
        }
        return ok
    }
}
