// `contain report AUDIT.jsonl`: summarise an audit log written by `contain run --audit` the way the exit
// summary does (grouped by what was attempted, by whom, under which rule), as a table or JSON.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ArgumentParser
import ContainAudit
import ContainRuleKit
import ContainSandbox

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise an audit log (JSON lines from contain run --audit): a table, or --json.",
        discussion: """
            Groups the events like the summary `contain run` prints at exit: by wall, event, verdict, rule, \
            what was attempted (syscall, tool or destination) and the executable, with counts, first and last \
            time, an example and the tool calls in flight. A line that is not a valid audit record is an \
            error naming its line number (exit status 1); use - to read standard input.

            Examples:
              contain report /tmp/audit.jsonl
              contain report --json /tmp/audit.jsonl | jq '.blocked'
              contain run --profile base --audit /dev/stdout -- ./server | contain report -
            """)

    @Argument(help: "The audit log (JSON lines), or - for standard input.")
    var file: String

    @Flag(name: .long, help: "Print the summary as JSON (the --report format of contain run, plus totals).")
    var json = false

    func run() throws {
        let data: [UInt8]
        switch Self.readAll(file) {
        case .success(let bytes): data = bytes
        case .failure(let f):
            FileHandleStderr.write("contain report: cannot read \(file): \(Sys.errnoText(f.errno))\n")
            throw ExitCode(1)
        }
        let parsed = AuditLogReader.read(data)
        if !parsed.problems.isEmpty {
            for p in parsed.problems.prefix(20) { FileHandleStderr.write("\(file):\(p.line): error: \(p.message)\n") }
            if parsed.problems.count > 20 { FileHandleStderr.write("\(file): \(parsed.problems.count - 20) more bad lines\n") }
            throw ExitCode(1)
        }
        let log = AuditLog(fd: nil, level: .all)
        for e in parsed.events { log.record(e) }
        for n in parsed.notes { log.note(n) }
        let allowed = parsed.events.filter { $0.verdict == .allowed }
        if json {
            var w = JSONWriter()
            w.beginObject()
            w.field("file", file)
            w.field("events", parsed.events.count)
            w.field("allowed", allowed.count)
            w.rawField("summary", Summary.json(log, exitStatus: nil))
            w.endObject()
            print(w.text)
        } else {
            print(Self.table(log, total: parsed.events.count, allowed: allowed), terminator: "")
        }
    }

    /// The whole file (or standard input for -). Sys.read retries EINTR.
    static func readAll(_ file: String) -> Result<[UInt8], Sys.Failure> {
        let fd: Int32
        if file == "-" {
            fd = 0
        } else {
            switch Sys.open(file, O_RDONLY) {
            case .success(let f): fd = f
            case .failure(let f): return .failure(f)
            }
        }
        defer { if fd != 0 { Sys.close(fd) } }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            switch chunk.withUnsafeMutableBytes({ Sys.read(fd, into: $0) }) {
            case .failure(let f): return .failure(f)
            case .success(0): return .success(out)
            case .success(let n): out += chunk[0..<n]
            }
        }
    }

    static func table(_ log: AuditLog, total: Int, allowed: [AuditEvent]) -> String {
        let groups = log.groups
        let blocked = groups.filter { $0.key.verdict == .blocked }.reduce(0) { $0 + $1.count }
        let would = groups.filter { $0.key.verdict == .wouldBlock }.reduce(0) { $0 + $1.count }
        var out = "\(total) event\(total == 1 ? "" : "s"): \(blocked) blocked, \(would) would be blocked (observe mode), \(allowed.count) allowed\n"
        if !groups.isEmpty {
            let header = ["COUNT", "VERDICT", "WALL", "EVENT", "WHAT", "BY", "RULE", "FIRST", "LAST", "EXAMPLE"]
            var rows: [[String]] = []
            for g in groups {
                var example = g.example.detail
                let args = g.example.args.prefix(3).map { "\($0.0)=\($0.1)" }.joined(separator: " ")
                if !args.isEmpty { example = example.isEmpty ? args : "\(example) [\(args)]" }
                if g.key.event != "tool_call", let t = g.toolCalls.first { example += " (during tools/call \(t.tool) id=\(t.requestID))" }
                rows.append([String(g.count), g.key.verdict.rawValue, g.key.wall.rawValue, g.key.event, g.key.what,
                             g.key.exe.isEmpty ? "-" : g.key.exe, g.key.rule,
                             AuditClock.rfc3339(g.firstTime), AuditClock.rfc3339(g.lastTime), truncate(example, 80)].map(printable))
            }
            out += render([header] + rows)
        }
        if !allowed.isEmpty {
            // Allowed events (audit level: all) are counted per what was attempted, not listed.
            var counts: [String: Int] = [:]
            var order: [String] = []
            for e in allowed {
                let k = "\(e.wall.rawValue) \(e.event) \(e.syscall ?? e.tool ?? e.event)"
                if counts[k] == nil { order.append(k) }
                counts[k, default: 0] += 1
            }
            out += "allowed:\n"
            for k in order { out += "  \(counts[k] ?? 0)  \(printable(k))\n" }
        }
        for n in log.notes { out += "note: \(printable(n))\n" }
        return out
    }

    static func truncate(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 3)) + "..." }

    /// Audit text names what the sandboxed process chose (executable names, paths, arguments): escape
    /// control characters so it cannot move the cursor or forge table lines on the reader's terminal.
    static func printable(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            let v = u.value
            if v < 0x20 || v == 0x7f || (0x80..<0xa0).contains(v) || v == 0x2028 || v == 0x2029 {
                out += "\\u{" + String(v, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = first.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        var out = ""
        for r in rows {
            var line = ""
            for (i, c) in r.enumerated() {
                let last = i == r.count - 1
                line += i == 0 ? String(repeating: " ", count: widths[i] - c.count) + c : c
                if !last { line += String(repeating: " ", count: (i == 0 ? 0 : widths[i] - c.count) + 2) }
            }
            out += line + "\n"
        }
        return out
    }
}

/// Audit JSON lines -> events, with a problem per bad line (1-based line numbers).
enum AuditLogReader {
    struct Problem { var line: Int; var message: String }
    struct Result { var events: [AuditEvent] = []; var problems: [Problem] = []; var notes: [String] = [] }

    static func read(_ data: [UInt8]) -> Result {
        var result = Result()
        var lineNumber = 0
        var suppressed = Set<String>()
        for rawLine in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.last == UInt8(ascii: "\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            switch event(from: Array(line)) {
            case .success(let (e, suppressing)):
                result.events.append(e)
                if suppressing {
                    suppressed.insert("\(e.event) \(e.syscall ?? e.tool ?? e.event) (rule \(e.rule))")
                }
            case .failure(let p):
                result.problems.append(Problem(line: lineNumber, message: p.message))
            }
        }
        for s in suppressed.sorted() {
            result.notes.append("the log stopped writing lines for \(s) after \(AuditLog.perKeyLineLimit); its count here is a lower bound")
        }
        return result
    }

    struct Bad: Error { var message: String }

    static func event(from line: [UInt8]) -> Swift.Result<(AuditEvent, Bool), Bad> {
        let notObject = Bad(message: "not a JSON object (an audit log has one JSON object per line)")
        guard let value = try? JSONParser.parse(line), case .object(let members) = value else { return .failure(notObject) }
        func field(_ k: String) -> JSONValue? { members.first { $0.0 == k }?.1 }
        func string(_ k: String, required: Bool = true) -> Swift.Result<String?, Bad> {
            guard let v = field(k) else { return required ? .failure(Bad(message: "missing field '\(k)'")) : .success(nil) }
            switch v {
            case .null: return .success(nil)
            case .string(let s): return .success(s)
            default: return .failure(Bad(message: "field '\(k)' must be a string"))
            }
        }
        do {
            guard let timeText = try string("time").get(), let time = parseTime(timeText) else {
                return .failure(Bad(message: "field 'time' must be an RFC 3339 UTC time such as 2026-01-31T12:00:00.000Z"))
            }
            guard let wallText = try string("wall").get(), let wall = Wall(rawValue: wallText) else {
                return .failure(Bad(message: "field 'wall' must be \"environment\" or \"transport\""))
            }
            guard let verdictText = try string("verdict").get(), let verdict = Verdict(rawValue: verdictText) else {
                return .failure(Bad(message: "field 'verdict' must be \"blocked\", \"allowed\" or \"would_block\""))
            }
            let eventName = try string("event").get() ?? ""
            guard !eventName.isEmpty else { return .failure(Bad(message: "field 'event' must not be empty")) }
            let rule = try string("rule").get() ?? ""
            var pid: Int32?
            if let p = field("pid"), p != .null {
                guard let d = p.doubleValue, let v = Int32(exactly: d) else { return .failure(Bad(message: "field 'pid' must be a whole number")) }
                pid = v
            }
            var args: [(String, String)] = []
            if let a = field("args"), a != .null {
                guard case .object(let m) = a else { return .failure(Bad(message: "field 'args' must be an object")) }
                for (k, v) in m.sorted(by: { $0.0 < $1.0 }) {
                    // Strings as they are, anything else as its JSON text.
                    args.append((k, v.stringValue ?? JSONSerializer.string(v)))
                }
            }
            var requestID: String?
            if let r = field("request_id"), r != .null {
                requestID = JSONSerializer.string(r)
            }
            let e = AuditEvent(time: time, wall: wall, event: eventName, verdict: verdict, rule: rule, pid: pid,
                               exe: try string("exe", required: false).get(), syscall: try string("syscall", required: false).get(),
                               args: args, tool: try string("tool", required: false).get(), requestID: requestID,
                               detail: try string("detail", required: false).get() ?? "")
            return .success((e, field("suppressing_further")?.boolValue == true))
        } catch {
            return .failure(error)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff]Z` (what AuditClock writes), also with a `+00:00` offset.
    static func parseTime(_ s: String) -> Double? {
        var t = Substring(s)
        if t.hasSuffix("Z") { t = t.dropLast() } else if t.hasSuffix("+00:00") { t = t.dropLast(6) } else { return nil }
        let parts = t.split(separator: "T")
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let timeParts = parts[1].split(separator: ":")
        guard date.count == 3, timeParts.count == 3, let h = Int(timeParts[0]), let m = Int(timeParts[1]),
              let sec = Double(timeParts[2]), (1...12).contains(date[1]), (1...31).contains(date[2]),
              (0...23).contains(h), (0...59).contains(m), sec >= 0, sec < 61 else { return nil }
        var tmv = tm()
        tmv.tm_year = Int32(date[0] - 1900); tmv.tm_mon = Int32(date[1] - 1); tmv.tm_mday = Int32(date[2])
        tmv.tm_hour = Int32(h); tmv.tm_min = Int32(m); tmv.tm_sec = 0
        let base = timegm(&tmv)
        // AuditClock truncates to milliseconds; the nudge keeps x.123 from printing back as x.122.
        return Double(base) + sec + 1e-6
    }
}
