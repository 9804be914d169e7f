// The exit summary: short and human on stderr; the same data as JSON for --report.

public enum Summary {
    /// Empty when nothing was blocked and there is nothing to note.
    public static func text(_ log: AuditLog) -> String {
        let groups = log.groups
        let notes = log.notes
        if groups.isEmpty && notes.isEmpty { return "" }
        var out = ""
        if !groups.isEmpty {
            let blocked = groups.filter { $0.key.verdict == .blocked }.reduce(0) { $0 + $1.count }
            let would = groups.filter { $0.key.verdict == .wouldBlock }.reduce(0) { $0 + $1.count }
            var head = "contain: summary:"
            if blocked > 0 { head += " \(blocked) blocked" }
            if would > 0 { head += (blocked > 0 ? "," : "") + " \(would) would be blocked (observe mode)" }
            out += head + "\n"
            for g in groups {
                out += "  " + line(g) + "\n"
            }
        }
        for n in notes { out += "  note: \(n)\n" }
        return out
    }

    static func line(_ g: AuditGroup) -> String {
        let verb = g.key.verdict == .blocked ? "blocked" : "would block"
        let times = g.count > 1 ? " x\(g.count)" : ""
        var s: String
        switch g.key.event {
        case "syscall":
            s = "\(verb) \(g.key.what)(2)\(times)"
            if !g.key.exe.isEmpty { s += " by \(g.key.exe)" }
            // Four: openat's mode (what a setuid_bits refusal is about) is its fourth argument.
            let args = g.example.args.prefix(4).map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            if !args.isEmpty { s += " [\(args)]" }
        case "connect":
            s = "\(verb) connect to \(g.key.what)\(times)"
            if !g.key.exe.isEmpty { s += " by \(g.key.exe)" }
        case "tool_call":
            s = "\(verb) tools/call \(g.key.what)\(times): \(g.example.detail)"
        default:
            s = "\(verb) \(g.key.event) \(g.key.what)\(times): \(g.example.detail)"
        }
        s += " (rule \(g.key.rule))"
        if g.key.event != "tool_call", let t = g.toolCalls.first {
            s += " during tools/call \(t.tool) id=\(t.requestID)"
        }
        return s
    }

    public static func json(_ log: AuditLog, exitStatus: Int32?) -> String {
        var w = JSONWriter()
        w.beginObject()
        if let exitStatus { w.field("exit_status", Int(exitStatus)) }
        w.field("blocked", log.groups.filter { $0.key.verdict == .blocked }.reduce(0) { $0 + $1.count })
        w.field("would_block", log.groups.filter { $0.key.verdict == .wouldBlock }.reduce(0) { $0 + $1.count })
        w.beginArray("events")
        for g in log.groups {
            w.beginObject()
            w.field("wall", g.key.wall.rawValue)
            w.field("event", g.key.event)
            w.field("verdict", g.key.verdict.rawValue)
            w.field("rule", g.key.rule)
            w.field("what", g.key.what)
            if !g.key.exe.isEmpty { w.field("exe", g.key.exe) }
            w.field("count", g.count)
            w.field("first", AuditClock.rfc3339(g.firstTime))
            w.field("last", AuditClock.rfc3339(g.lastTime))
            w.field("detail", g.example.detail)
            if !g.example.args.isEmpty {
                w.beginObject("args")
                for (k, v) in g.example.args { w.field(k, v) }
                w.endObject()
            }
            if !g.toolCalls.isEmpty {
                w.beginArray("tool_calls")
                for t in g.toolCalls {
                    w.beginObject(); w.field("tool", t.tool); if !t.requestID.isEmpty { w.rawField("request_id", t.requestID) }; w.endObject()
                }
                w.endArray()
            }
            w.endObject()
        }
        w.endArray()
        w.beginArray("notes")
        for n in log.notes { w.value(n) }
        w.endArray()
        w.endObject()
        return w.text
    }
}
