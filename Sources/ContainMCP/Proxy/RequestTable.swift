// Requests forwarded one way whose responses have not come back the other way: the proxy needs the
// method of a response's request (tools/list pages are filtered, tools/call ends the in-flight tag,
// roots/list answers are checked). Bounded, so a peer that never answers cannot grow it without limit.

import Synchronization

struct PendingRequest: Sendable {
    var method: String
    /// The id exactly as the requester sent it.
    var idText: String
    var tool: String?
    /// A forwarded tools/call's number in the in-flight tracker.
    var call: Int? = nil
}

final class RequestTable: Sendable {
    static let capacity = 65_536

    private struct State {
        var entries: [RequestKey: PendingRequest] = [:]
        var order: [RequestKey] = []
        var orderHead = 0
    }
    private let state = Mutex(State())

    func insert(_ key: RequestKey, _ r: PendingRequest) {
        state.withLock { s in
            s.entries[key] = r
            s.order.append(key)
            while s.entries.count > RequestTable.capacity && s.orderHead < s.order.count {
                s.entries[s.order[s.orderHead]] = nil
                s.orderHead += 1
            }
            // Answered keys stay in `order` until here: compact once it is twice the live size, so memory
            // follows the number of requests outstanding, not the number ever made (amortised O(1)).
            if s.order.count - s.orderHead > 2 * max(s.entries.count, 1024) {
                s.order = s.order[s.orderHead...].filter { s.entries[$0] != nil }
                s.orderHead = 0
            }
        }
    }

    func remove(_ key: RequestKey) -> PendingRequest? { state.withLock { $0.entries.removeValue(forKey: key) } }
    func lookup(_ key: RequestKey) -> PendingRequest? { state.withLock { $0.entries[key] } }
    var count: Int { state.withLock { $0.entries.count } }
    /// Keys remembered for eviction order (bounded by about twice `count`).
    var orderLength: Int { state.withLock { $0.order.count - $0.orderHead } }
}
