// One audit record (DESIGN.md "Audit record"). Field names are a contract: they may grow, these stay.

public enum Wall: String, Sendable { case environment, transport }
public enum Verdict: String, Sendable { case blocked, allowed, wouldBlock = "would_block" }

/// A `tools/call` that was in flight, used to tag events.
public struct ToolCallTag: Sendable, Hashable {
    public var tool: String
    /// The JSON text of the request id, as sent ("7", "\"abc\"").
    public var requestID: String
    public init(tool: String, requestID: String) { self.tool = tool; self.requestID = requestID }
}

public struct AuditEvent: Sendable {
    public var time: Double // seconds since the epoch
    public var wall: Wall
    /// "syscall", "path", "connect", "tool_call", "protocol", "profile_reload", "setup"...
    public var event: String
    public var verdict: Verdict
    public var rule: String
    public var pid: Int32?
    public var exe: String?
    public var syscall: String?
    /// Decoded arguments, in order, already rendered for humans ("path": "/etc/shadow", "flags": "CLONE_NEWUSER").
    public var args: [(String, String)]
    public var tool: String?
    /// JSON text of the request id.
    public var requestID: String?
    public var detail: String
    /// Set when the event happened while a tool call was in flight.
    public var inFlight: ToolCallTag?

    public init(time: Double = AuditClock.now(), wall: Wall, event: String, verdict: Verdict, rule: String,
                pid: Int32? = nil, exe: String? = nil, syscall: String? = nil, args: [(String, String)] = [],
                tool: String? = nil, requestID: String? = nil, detail: String, inFlight: ToolCallTag? = nil) {
        self.time = time; self.wall = wall; self.event = event; self.verdict = verdict; self.rule = rule
        self.pid = pid; self.exe = exe; self.syscall = syscall; self.args = args; self.tool = tool
        self.requestID = requestID; self.detail = detail; self.inFlight = inFlight
    }
}
