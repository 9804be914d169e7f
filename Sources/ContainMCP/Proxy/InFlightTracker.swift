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
        /// Calls in begin order; `tags[i]` is call number `base + i`, live while `live[i]`. Ended calls stay
        /// until they reach either end, so ending one in the middle is O(1). Liveness is kept apart from the
        /// tags so the per-call checks read a flag instead of copying a tag (two strings: retains, releases).
        var tags: [ToolCallTag] = []
        var live: [Bool] = []
        var head = 0
        var base = 0
        var liveCount = 0
        /// The number and request id of the call listed in `InFlightCalls` (the newest live one), if any.
        var shownNumber = -1
        var shownID = ""
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
            let number = s.base + s.tags.count
            s.tags.append(tag)
            s.live.append(true)
            s.liveCount += 1
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
            showNewest(&s)
        }
    }

    /// Ends call `number` (a no-op when it has ended already).
    func end(_ number: Int) {
        state.withLock { s in
            let i = number - s.base
            guard i >= s.head, i < s.live.count, s.live[i] else { return }
            s.live[i] = false
            s.liveCount -= 1
            while s.live.count > s.head, !s.live[s.live.count - 1] { s.live.removeLast(); s.tags.removeLast() }
            while s.head < s.live.count, !s.live[s.head] { s.head += 1 }
            if s.head == s.live.count {
                s.base += s.live.count
                s.live.removeAll(keepingCapacity: true)
                s.tags.removeAll(keepingCapacity: true)
                s.head = 0
            } else if s.head >= 4096 && s.head * 2 >= s.live.count {
                s.live.removeFirst(s.head)
                s.tags.removeFirst(s.head)
                s.base += s.head
                s.head = 0
            }
            showNewest(&s)
        }
    }

    /// The number of calls in flight.
    var count: Int { state.withLock { $0.liveCount } }

    /// Lists the newest live call (the last entry: ended calls are trimmed off the end) in the sink instead
    /// of the one shown before, or nothing when none is live. The new one is added before the old one is
    /// removed, so `current` is never briefly empty while calls are in flight.
    private func showNewest(_ s: inout State) {
        guard s.liveCount > 0, !s.tags.isEmpty else {
            if s.shownNumber >= 0 { sink.end(requestID: s.shownID) }
            s.shownNumber = -1
            s.shownID = ""
            return
        }
        let number = s.base + s.tags.count - 1
        // Most ends (a pipelining client's oldest calls) leave the newest call where it is.
        if number == s.shownNumber { return }
        let tag = s.tags[s.tags.count - 1]
        if s.shownNumber < 0 {
            sink.begin(tag)
        } else if s.shownID == tag.requestID {
            // `end` removes the newest entry with that id, which would be the new one: swap in order.
            sink.end(requestID: s.shownID)
            sink.begin(tag)
        } else {
            sink.begin(tag)
            sink.end(requestID: s.shownID)
        }
        s.shownNumber = number
        s.shownID = tag.requestID
    }
}
