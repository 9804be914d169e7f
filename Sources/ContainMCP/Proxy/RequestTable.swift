// Requests forwarded one way whose responses have not come back the other way: the proxy needs the
// method of a response's request (tools/list pages are filtered, tools/call ends the in-flight tag,
// roots/list answers are checked). Bounded, so a peer that never answers cannot grow it without limit:
// past `capacity` the oldest eighth is dropped.

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
    /// Past capacity, this many of the oldest entries go at once, so finding them (a sort) is paid once per
    /// `capacity / 8` inserts rather than per insert.
    static let evictBatch = capacity / 8

    private struct Entry {
        var request: PendingRequest
        /// Insertion order, for evicting the oldest.
        var sequence: Int
    }

    private struct State {
        var entries: [RequestKey: Entry] = [:]
        var nextSequence = 0
    }
    private let state = Mutex(State())

    /// Remembers `r` under `key`. Entries carry their insertion number instead of a separate order list,
    /// which cost a second hash lookup per key when it was compacted (every ~1000 requests).
    func insert(_ key: RequestKey, _ r: PendingRequest) {
        state.withLock { s in
            s.entries[key] = Entry(request: r, sequence: s.nextSequence)
            s.nextSequence += 1
            if s.entries.count > RequestTable.capacity { RequestTable.evictOldest(&s) }
        }
    }

    /// Remembers `r` under `key` unless a request is already pending under it (then false, nothing changes).
    func insertIfAbsent(_ key: RequestKey, _ r: PendingRequest) -> Bool {
        state.withLock { s in
            guard s.entries[key] == nil else { return false }
            s.entries[key] = Entry(request: r, sequence: s.nextSequence)
            s.nextSequence += 1
            if s.entries.count > RequestTable.capacity { RequestTable.evictOldest(&s) }
            return true
        }
    }

    /// Drops the `evictBatch` oldest entries (a peer that never answers, or floods ids).
    private static func evictOldest(_ s: inout State) {
        var sequences = s.entries.values.map(\.sequence)
        sequences.sort()
        let cutoff = sequences[min(evictBatch, sequences.count) - 1]
        s.entries = s.entries.filter { $0.value.sequence > cutoff }
    }

    func remove(_ key: RequestKey) -> PendingRequest? { state.withLock { $0.entries.removeValue(forKey: key)?.request } }
    func lookup(_ key: RequestKey) -> PendingRequest? { state.withLock { $0.entries[key]?.request } }
    var count: Int { state.withLock { $0.entries.count } }
}
