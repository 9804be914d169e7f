// The forwarded tools/calls still waiting for their answers, for the environment wall's syscall report.
//
// The report tags a blocked syscall with `InFlightCalls.current`: the newest call still in flight.
// Under a pipelining client hundreds of calls are in flight and answered oldest first, while
// `InFlightCalls` searches its list from the newest end: ending each call there would scan them all.
// So the proxy keeps the full set here, in call order, and lists only the newest one in `InFlightCalls`.
// `current` reads as if every call were listed there from the moment its bytes go to the server: the
// client loop calls `publish()` right before each write, so a batch of calls updates the list once. A
// call is ended by the number `begin` gave it (kept with the pending request): O(1) amortised, no hashing.

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
        /// Calls were begun since the last `publish()`.
        var unpublished = false
    }

    private let sink: InFlightCalls
    private let state = Mutex(State())

    init(_ sink: InFlightCalls) { self.sink = sink }

    /// Registers a call about to be forwarded; returns its number for `end`. It is listed in
    /// `InFlightCalls` by the next `publish()`.
    func begin(_ tag: ToolCallTag) -> Int {
        state.withLock { s in
            let number = s.base + s.entries.count
            s.entries.append(tag)
            s.live += 1
            s.unpublished = true
            return number
        }
    }

    /// Lists the newest live call in `InFlightCalls`; the client loop calls it before writing to the
    /// server, so a call is listed before the server can see it.
    func publish() {
        state.withLock { s in
            guard s.unpublished else { return }
            s.unpublished = false
            if let last = s.entries.last, let tag = last { show(s.base + s.entries.count - 1, tag, &s) }
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
