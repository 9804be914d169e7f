// The forwarded tools/calls still waiting for their answers, for the environment wall's syscall report.
//
// The report tags a blocked syscall with `InFlightCalls.current`: the newest call still in flight.
// Under a pipelining client hundreds of calls are in flight and answered oldest first, while
// `InFlightCalls` searches its list from the newest end: ending each call there would scan them all.
// So the proxy keeps the full set here, in call order, and lists only the newest one in `InFlightCalls`.
// `current` reads exactly as if every call were listed there, and each call costs O(1) amortised.

import ContainAudit
import Synchronization

final class InFlightTracker: Sendable {
    private struct Entry {
        var tag: ToolCallTag
        var alive: Bool
    }

    private struct State {
        /// Calls in begin order; `entries[i]` has sequence number `base + i`. Ended calls stay (dead)
        /// until they reach either end, so removal from the middle is O(1).
        var entries: [Entry] = []
        var head = 0
        var base = 0
        /// Request id -> sequence number of its newest live call, and how many live calls use that id (a
        /// client may reuse an id; then the newest one is ended first, as `InFlightCalls` does).
        var byID: [String: (seq: Int, live: Int)] = [:]
        /// The tag listed in `InFlightCalls` (the newest live call), if any.
        var shown: ToolCallTag?
    }

    private let sink: InFlightCalls
    private let state = Mutex(State())

    init(_ sink: InFlightCalls) { self.sink = sink }

    func begin(_ tag: ToolCallTag) {
        state.withLock { s in
            let seq = s.base + s.entries.count
            s.entries.append(Entry(tag: tag, alive: true))
            let live = (s.byID[tag.requestID]?.live ?? 0) + 1
            s.byID[tag.requestID] = (seq, live)
            show(tag, &s)
        }
    }

    /// Ends the newest live call with this request id (no-op when there is none).
    func end(requestID: String) {
        state.withLock { s in
            guard let (seq, live) = s.byID[requestID] else { return }
            s.entries[seq - s.base].alive = false
            if live == 1 {
                s.byID[requestID] = nil
            } else {
                // Rare: the id was reused. Find its next newest live call.
                var i = seq - s.base - 1
                while i >= s.head && !(s.entries[i].alive && s.entries[i].tag.requestID == requestID) { i -= 1 }
                s.byID[requestID] = (s.base + i, live - 1)
            }
            while let last = s.entries.last, !last.alive, s.entries.count > s.head { s.entries.removeLast() }
            while s.head < s.entries.count && !s.entries[s.head].alive { s.head += 1 }
            if s.head == s.entries.count {
                s.base += s.entries.count
                s.entries.removeAll(keepingCapacity: true)
                s.head = 0
            } else if s.head >= 4096 && s.head * 2 >= s.entries.count {
                s.entries.removeFirst(s.head)
                s.base += s.head
                s.head = 0
            }
            show(s.head < s.entries.count ? s.entries[s.entries.count - 1].tag : nil, &s)
        }
    }

    /// The number of calls in flight.
    var count: Int { state.withLock { s in s.byID.values.reduce(0) { $0 + $1.live } } }

    /// Lists `tag` (the newest live call) in the sink instead of the one shown before. The new one is
    /// added before the old one is removed, so `current` is never briefly empty while calls are in flight.
    private func show(_ tag: ToolCallTag?, _ s: inout State) {
        guard let old = s.shown else {
            if let tag { sink.begin(tag) }
            s.shown = tag
            return
        }
        guard let tag else {
            sink.end(requestID: old.requestID)
            s.shown = nil
            return
        }
        if old == tag { return }
        if old.requestID == tag.requestID {
            // `end` removes the newest entry with that id, which would be the new one: swap in order.
            sink.end(requestID: old.requestID)
            sink.begin(tag)
        } else {
            sink.begin(tag)
            sink.end(requestID: old.requestID)
        }
        s.shown = tag
    }
}
