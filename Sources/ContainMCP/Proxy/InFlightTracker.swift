// The forwarded tools/calls still waiting for their answers, for the environment wall's syscall report.
//
// The report tags a blocked syscall with `InFlightCalls.current`: the newest call still in flight.
// Under a pipelining client hundreds of calls are in flight and answered oldest first, while
// `InFlightCalls` searches its list from the newest end: ending each call there would scan them all.
// So the proxy keeps the full set here, in call order, and lists only the newest one in `InFlightCalls`.
// `current` reads exactly as if every call were listed there. A call is ended by the number `begin`
// gave it (kept with the pending request), so each call costs O(1) amortised and no hashing.

import ContainAudit
import Synchronization

final class InFlightTracker: Sendable {
    private struct State {
        /// Calls in begin order; `entries[i]` is call number `base + i`, nil once ended. Ended calls stay
        /// until they reach either end, so ending one in the middle is O(1).
        var entries: [ToolCallTag?] = []
        var head = 0
        var base = 0
        var live = 0
        /// The call listed in `InFlightCalls` (the newest live one), if any.
        var shown: (number: Int, tag: ToolCallTag)?
    }

    private let sink: InFlightCalls
    private let state = Mutex(State())

    init(_ sink: InFlightCalls) { self.sink = sink }

    /// Registers a forwarded call; returns its number for `end`.
    func begin(_ tag: ToolCallTag) -> Int {
        state.withLock { s in
            let number = s.base + s.entries.count
            s.entries.append(tag)
            s.live += 1
            show(number, tag, &s)
            return number
        }
    }

    /// Ends call `number` (a no-op when it has ended already).
    func end(_ number: Int) {
        state.withLock { s in
            let i = number - s.base
            guard i >= s.head, i < s.entries.count, s.entries[i] != nil else { return }
            s.entries[i] = nil
            s.live -= 1
            while s.entries.count > s.head, s.entries[s.entries.count - 1] == nil { s.entries.removeLast() }
            while s.head < s.entries.count, s.entries[s.head] == nil { s.head += 1 }
            if s.head == s.entries.count {
                s.base += s.entries.count
                s.entries.removeAll(keepingCapacity: true)
                s.head = 0
            } else if s.head >= 4096 && s.head * 2 >= s.entries.count {
                s.entries.removeFirst(s.head)
                s.base += s.head
                s.head = 0
            }
            if let last = s.entries.last, let tag = last {
                show(s.base + s.entries.count - 1, tag, &s)
            } else {
                hide(&s)
            }
        }
    }

    /// The number of calls in flight.
    var count: Int { state.withLock { $0.live } }

    /// Lists call `number` (the newest live one) in the sink instead of the one shown before. The new one
    /// is added before the old one is removed, so `current` is never briefly empty while calls are in flight.
    private func show(_ number: Int, _ tag: ToolCallTag, _ s: inout State) {
        guard let old = s.shown else {
            sink.begin(tag)
            s.shown = (number, tag)
            return
        }
        if old.number == number { return }
        if old.tag.requestID == tag.requestID {
            // `end` removes the newest entry with that id, which would be the new one: swap in order.
            sink.end(requestID: old.tag.requestID)
            sink.begin(tag)
        } else {
            sink.begin(tag)
            sink.end(requestID: old.tag.requestID)
        }
        s.shown = (number, tag)
    }

    private func hide(_ s: inout State) {
        if let old = s.shown { sink.end(requestID: old.tag.requestID) }
        s.shown = nil
    }
}
