// The extension point the semantic rule kinds (command, path, kubernetes) plug into. The engine calls
// every applicable rule for a `tools/call`; the first denial wins and is reported with its rule id.

import ContainProfile

/// A `tools/call` as the policy sees it.
public struct ToolCall: Sendable {
    public var name: String
    /// `params.arguments`, or an empty object when absent.
    public var arguments: JSONValue
    /// JSON text of the request id.
    public var requestID: String
    public init(name: String, arguments: JSONValue, requestID: String) {
        self.name = name; self.arguments = arguments; self.requestID = requestID
    }
}

public enum RuleVerdict: Sendable, Equatable {
    case allow
    /// `rule` is the profile rule id; `reason` is shown to the client after "Blocked by contain: <rule>: ".
    case deny(rule: String, reason: String)
}

/// What a rule may consult besides the call itself.
public struct RuleContext: Sendable {
    /// The server's working directory (host path; the sandbox keeps host paths).
    public var workingDirectory: String
    /// The home directory the server sees (for `~`).
    public var home: String
    /// Resolves a path as the server would see it (symlinks inside the sandbox's view); nil when the sandbox
    /// root is not available (then the host view is used).
    public var sandboxRoot: String?
    public init(workingDirectory: String, home: String, sandboxRoot: String? = nil) {
        self.workingDirectory = workingDirectory; self.home = home; self.sandboxRoot = sandboxRoot
    }
}

public protocol ToolCallRule: Sendable {
    var id: String { get }
    /// Whether this rule looks at calls to `tool`.
    func applies(to tool: String) -> Bool
    func evaluate(_ call: ToolCall, context: RuleContext) -> RuleVerdict
}
