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

    /// Entries carry their insertion number instead of a separate order list, which cost a second hash
    /// lookup per key when it was compacted (every ~1000 requests).
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

    enum InsertOutcome: Equatable {
        case inserted
        /// A request is already pending under the key: nothing changed.
        case duplicate
        /// Inserted, and the oldest entries were dropped to stay bounded; these are the in-flight numbers of
        /// the dropped tools/calls, which the caller must end (their answers can no longer be matched).
        case insertedEvicting([Int])
    }

    /// Remembers `r` under `key` unless a request is already pending under it.
    func insertIfAbsent(_ key: RequestKey, _ r: PendingRequest) -> InsertOutcome {
        state.withLock { s in
            guard s.entries[key] == nil else { return .duplicate }
            s.entries[key] = Entry(request: r, sequence: s.nextSequence)
            s.nextSequence += 1
            if s.entries.count > RequestTable.capacity { return .insertedEvicting(RequestTable.evictOldest(&s)) }
            return .inserted
        }
    }

    /// Takes the in-flight number off a pending tools/call (cancelled: the call is over for the client, but a
    /// late answer must still be matched, and must not end a newer call that was given the same number).
    func takeCall(_ key: RequestKey) -> Int? {
        state.withLock { s in
            guard let call = s.entries[key]?.request.call else { return nil }
            s.entries[key]?.request.call = nil
            return call
        }
    }

    /// Drops the `evictBatch` oldest entries (a peer that never answers, or floods ids). Returns the
    /// in-flight numbers of the tools/calls among them.
    private static func evictOldest(_ s: inout State) -> [Int] {
        var sequences = s.entries.values.map(\.sequence)
        sequences.sort()
        let cutoff = sequences[min(evictBatch, sequences.count) - 1]
        var calls: [Int] = []
        for e in s.entries.values where e.sequence <= cutoff { if let c = e.request.call { calls.append(c) } }
        s.entries = s.entries.filter { $0.value.sequence > cutoff }
        return calls
    }

    func remove(_ key: RequestKey) -> PendingRequest? { state.withLock { $0.entries.removeValue(forKey: key)?.request } }
    func lookup(_ key: RequestKey) -> PendingRequest? { state.withLock { $0.entries[key]?.request } }
    var count: Int { state.withLock { $0.entries.count } }
}
