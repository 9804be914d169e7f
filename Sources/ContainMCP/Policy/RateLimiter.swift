// Rate limits: calls per second/minute/hour, per tool selector or global. A sliding window of call
// times per limit (exact, and bounded by the limit's count), so a denial can say exactly how long to wait.

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

    private struct Window {
        var limit: RateLimit
        /// Call times inside the window, oldest first (ring buffer of `limit.count` slots).
        var times: [Double] = []
        var head = 0
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
                let ordered = Array(p.times[p.head...] + p.times[..<p.head])
                w.times = Array(ordered.suffix(max(0, l.count)))
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
                if ws[i].times.count >= l.count {
                    let oldest = ws[i].times[ws[i].head]
                    let wait = oldest + l.perSeconds - now
                    if wait > 0 {
                        return Denial(rule: l.id, reason: "rate limit exceeded: at most \(l.count) calls per \(RateLimiter.period(l.perSeconds))\(scope(l, tool)); retry in \(RateLimiter.seconds(wait))", wait: wait)
                    }
                }
            }
            for i in limits {
                if ws[i].times.count < ws[i].limit.count {
                    ws[i].times.append(now)
                } else {
                    ws[i].times[ws[i].head] = now
                    ws[i].head = (ws[i].head + 1) % ws[i].times.count
                }
            }
            return nil
        }
    }

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
