// The tools/call requests the transport wall has forwarded and not yet seen answered. The seccomp
// listener reads it to tag a blocked syscall with the call that caused it. Shared by both walls, so it
// lives here rather than in either.

import Synchronization

public final class InFlightCalls: Sendable {
    private let calls = Mutex<[ToolCallTag]>([])
    public init() {}

    public func begin(_ tag: ToolCallTag) { calls.withLock { $0.append(tag) } }
    /// Searches from the newest: a response mostly answers the latest request, so this is O(1) in practice
    /// (a full scan here showed up as a third of the proxy's per-message cost).
    public func end(requestID: String) {
        calls.withLock { list in
            if let i = list.lastIndex(where: { $0.requestID == requestID }) { list.remove(at: i) }
        }
    }
    /// The most recent call still in flight (servers mostly run one at a time).
    public var current: ToolCallTag? { calls.withLock { $0.last } }
}
