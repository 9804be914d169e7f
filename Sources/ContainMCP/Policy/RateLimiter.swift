// Rate limits: calls per second/minute/hour, per tool selector or global. A sliding window of call
// times per limit (exact up to 4096 calls; above that, calls per 1/1024 slice of the period, so memory never grows
// with the count), so a denial can say how long to wait.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ContainProfile
import ContainRuleKit
import Synchronization

enum MonotonicClock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

final class RateLimiter: Sendable {
    struct Denial { var rule: String; var reason: String; var wait: Double }

    /// Up to this count a window keeps every call time (exact). Above it, calls are counted per slice of the
    /// period, so the memory a client can make the supervisor hold never depends on the limit's count (a ring
    /// of `count` slots let a `count: 1000000000` limit grow by 8 bytes per call, measured in bench/proxy).
    static let exactLimit = 4096
    /// Slices per period for large counts: a denial comes at most period/slices early, never late.
    static let slices = 1024

    private struct Window {
        var limit: RateLimit
        /// Exact mode: call times inside the window, oldest first (ring buffer of `limit.count` slots).
        var times: [Double] = []
        var head = 0
        /// Sliced mode: calls per slice, slot k % (slices + 1) holding slice number `keys[slot]`.
        var counts: [Int] = []
        var keys: [Int64] = []
        /// Sliced mode: calls in slices >= `countedFrom` (everything older has been dropped from the ring).
        var total = 0
        var countedFrom = Int64.min

        var sliced: Bool { limit.count > RateLimiter.exactLimit }
        var sliceLength: Double { limit.perSeconds / Double(RateLimiter.slices) }

        init(limit: RateLimit) {
            self.limit = limit
            if sliced {
                counts = Array(repeating: 0, count: RateLimiter.slices + 1)
                keys = Array(repeating: Int64.min, count: RateLimiter.slices + 1)
            }
        }

        /// Calls still held as (time, calls), oldest first. A slice's calls carry its end time (they expire last,
        /// so carrying them over on reload never admits more than before).
        var heldGroups: [(time: Double, calls: Int)] {
            if !sliced { return (times[head...] + times[..<head]).map { ($0, 1) } }
            return keys.indices.filter { keys[$0] != Int64.min && counts[$0] > 0 }
                .sorted { keys[$0] < keys[$1] }
                .map { (Double(keys[$0] + 1) * sliceLength, counts[$0]) }
        }

        /// `n` calls at time `t` (n > 1 only when carrying history over; exact windows get at most `count`).
        mutating func record(_ t: Double, calls n: Int = 1) {
            if sliced {
                let k = Int64((t / sliceLength).rounded(.down))
                let slot = Int(k.magnitude % UInt64(keys.count))
                if keys[slot] != k {
                    if keys[slot] != Int64.min && keys[slot] >= countedFrom { total -= counts[slot] }
                    keys[slot] = k
                    counts[slot] = 0
                }
                counts[slot] += n
                total += n
                return
            }
            for _ in 0..<min(n, limit.count) {
                if times.count < limit.count {
                    times.append(t)
                } else {
                    times[head] = t
                    head = (head + 1) % times.count
                }
            }
        }

        /// Drops the slices that left the window ending in slice `current` from the running total: amortised
        /// O(1) per call (each slice number is passed once; a long idle gap resets the ring at once).
        mutating func expire(current: Int64) {
            let floor = current - Int64(RateLimiter.slices)
            if countedFrom == Int64.min || floor - countedFrom > Int64(keys.count) {
                total = 0
                for slot in keys.indices {
                    if keys[slot] != Int64.min && keys[slot] >= floor { total += counts[slot] } else { keys[slot] = Int64.min; counts[slot] = 0 }
                }
                countedFrom = max(countedFrom, floor)
                return
            }
            while countedFrom < floor {
                let slot = Int(countedFrom.magnitude % UInt64(keys.count))
                if keys[slot] == countedFrom { total -= counts[slot]; keys[slot] = Int64.min; counts[slot] = 0 }
                countedFrom += 1
            }
        }

        /// How long until one more call fits, or nil when it fits now.
        mutating func wait(now: Double) -> Double? {
            if !sliced {
                guard times.count >= limit.count else { return nil }
                let w = times[head] + limit.perSeconds - now
                return w > 0 ? w : nil
            }
            // The slice straddling the window's start counts whole: a denial comes early, never late.
            let current = Int64((now / sliceLength).rounded(.down))
            expire(current: current)
            guard total >= limit.count else { return nil }
            // Every held slice, including one ahead of `current` (history carried over on reload is dated at its
            // slice's end), or the count could never drop below the limit here and the call would pass.
            var held = total
            let live = keys.indices.filter { keys[$0] != Int64.min }.sorted { keys[$0] < keys[$1] }
            for slot in live {
                held -= counts[slot]
                if held < limit.count {
                    // Slice keys[slot] stops counting once the current slice passes it by `slices`.
                    return Double(keys[slot] + Int64(RateLimiter.slices) + 1) * sliceLength - now
                }
            }
            return limit.perSeconds  // unreachable while `total` matches the slices; refuse rather than admit
        }

        /// Entries held in memory (tests: bounded whatever the count).
        var storage: Int { times.count + counts.count }
    }

    private let windows: Mutex<[Window]>
    let clock: @Sendable () -> Double

    /// `carrying`: a previous limiter whose history is kept for limits with the same id (profile reload).
    init(_ limits: [RateLimit], carrying old: RateLimiter? = nil, clock: @escaping @Sendable () -> Double = MonotonicClock.now) {
        self.clock = clock
        let previous = old?.windows.withLock { $0 } ?? []
        windows = Mutex(limits.map { l in
            var w = Window(limit: l)
            if let p = previous.first(where: { $0.limit.id == l.id }) {
                // The most recent calls, up to the new count.
                var budget = max(0, l.count)
                var carried: [(time: Double, calls: Int)] = []
                for g in p.heldGroups.reversed() where budget > 0 {
                    carried.append((g.time, min(g.calls, budget)))
                    budget -= min(g.calls, budget)
                }
                for g in carried.reversed() { w.record(g.time, calls: g.calls) }
            }
            return w
        })
    }

    static func applies(_ l: RateLimit, to tool: String) -> Bool {
        guard let sel = l.tools else { return true }
        return Glob.matchAny(sel, tool)
    }

    /// Indices of the limits that count calls to `tool` (fixed for a policy load: selectors are names).
    func applicableLimits(tool: String) -> [Int] {
        windows.withLock { ws in ws.indices.filter { RateLimiter.applies(ws[$0].limit, to: tool) } }
    }

    /// Admits the call (recording it in every applicable window) or names the limit it exceeds.
    func admit(tool: String) -> Denial? {
        admit(tool: tool, limits: applicableLimits(tool: tool))
    }

    /// `limits`: `applicableLimits(tool:)` of this limiter.
    func admit(tool: String, limits: [Int]) -> Denial? {
        if limits.isEmpty { return nil }
        let now = clock()
        return windows.withLock { ws in
            for i in limits {
                let l = ws[i].limit
                if l.count <= 0 {
                    return Denial(rule: l.id, reason: "rate limit: no calls allowed\(scope(l, tool))", wait: .infinity)
                }
                if let wait = ws[i].wait(now: now) {
                    return Denial(rule: l.id, reason: "rate limit exceeded: at most \(l.count) calls per \(RateLimiter.period(l.perSeconds))\(scope(l, tool)); retry in \(RateLimiter.seconds(wait))", wait: wait)
                }
            }
            for i in limits { ws[i].record(now) }
            return nil
        }
    }

    /// Entries held across all windows (tests).
    var storage: Int { windows.withLock { $0.reduce(0) { $0 + $1.storage } } }

    private func scope(_ l: RateLimit, _ tool: String) -> String {
        l.tools == nil ? " in total" : " to \(tool)"
    }

    static func period(_ s: Double) -> String {
        switch s {
        case 1: return "second"
        case 60: return "minute"
        case 3600: return "hour"
        default: return "\(seconds(s))"
        }
    }

    static func seconds(_ s: Double) -> String {
        let whole = Int(s.rounded(.up))
        return whole <= 1 ? "1 s" : "\(whole) s"
    }
}
