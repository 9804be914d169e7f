// Rate limits with large counts: the attacker is a client that sends calls as fast as the wall takes them under
// a generous limit (`count: 1000000000`), so that the supervisor keeps one entry per call and runs out of memory.
// Memory must stay bounded, and the coarser counting used for large limits must still never admit more than the
// limit in any window.

@testable import ContainMCP
import ContainProfile
import ContainTestSupport
import Synchronization
import Testing

private final class FakeClock: Sendable {
    let now = Mutex(0.0)
    func advance(_ dt: Double) { now.withLock { $0 += dt } }
    var read: @Sendable () -> Double { { [self] in now.withLock { $0 } } }
}

private func limiter(_ count: Int, per: Double = 1, clock: FakeClock, carrying old: RateLimiter? = nil) -> RateLimiter {
    RateLimiter([RateLimit(id: "r", tools: nil, count: count, perSeconds: per)], carrying: old, clock: clock.read)
}

@Test func memoryDoesNotGrowWithTheNumberOfCalls() {
    let clock = FakeClock()
    let l = limiter(1_000_000_000, clock: clock)
    for _ in 0..<60_000 {
        #expect(l.admit(tool: "echo") == nil)
        clock.advance(0.000_004)
    }
    #expect(l.storage <= RateLimiter.slices + 1)
}

@Test func slicedCountingNeverAdmitsMoreThanTheLimitInAnyWindow() {
    let clock = FakeClock()
    let count = 5000, per = 1.0
    let l = limiter(count, per: per, clock: clock)
    var rng = SeededGenerator(seed: 0x5EED)
    var admitted: [Double] = []
    var denied = 0
    for _ in 0..<40_000 {
        if l.admit(tool: "echo") == nil { admitted.append(clock.read()) } else { denied += 1 }
        clock.advance(Double(rng.next() % 100) / 1_000_000)  // ~20k calls per second on average
    }
    var lo = 0
    for hi in admitted.indices {
        while admitted[lo] <= admitted[hi] - per { lo += 1 }
        #expect(hi - lo + 1 <= count, "window ending at \(admitted[hi]) holds \(hi - lo + 1) calls")
        if hi - lo + 1 > count { break }
    }
    #expect(denied > 0)
    // Early by at most one slice per window: close to the limit over the run (~2 s of simulated time).
    let seconds = clock.read()
    #expect(Double(admitted.count) >= Double(count) * (seconds - 1) * 0.95)
}

@Test func theDenialSaysHowLongToWaitAndThatIsEnough() throws {
    let clock = FakeClock()
    let l = limiter(5000, clock: clock)
    for _ in 0..<5000 { #expect(l.admit(tool: "echo") == nil) }
    clock.advance(0.5)
    let d = try #require(l.admit(tool: "echo"))
    #expect(d.wait > 0.5 && d.wait <= 0.5 + 2.0 / Double(RateLimiter.slices))
    #expect(d.reason.contains("at most 5000 calls per second in total; retry in 1 s"))
    clock.advance(d.wait)
    #expect(l.admit(tool: "echo") == nil)
}

@Test func aReloadCarriesRecentCallsAcrossCountingModes() {
    let clock = FakeClock()
    let big = limiter(5000, clock: clock)
    for _ in 0..<5000 { _ = big.admit(tool: "echo") }
    clock.advance(0.1)
    // The new profile lowers the limit below the exact threshold: the calls just made still count.
    let small = limiter(100, clock: clock, carrying: big)
    #expect(small.admit(tool: "echo") != nil)
    #expect(small.storage <= 100)
    // And back up: the 100 carried calls count against the larger limit.
    let again = limiter(5000, clock: clock, carrying: small)
    for _ in 0..<4900 { #expect(again.admit(tool: "echo") == nil) }
    #expect(again.admit(tool: "echo") != nil)
}

@Test func aReloadWithinOneSliceStillCountsTheCarriedCalls() {
    // Carried calls are dated at their slice's end, one slice ahead of `now`: they must still count, or the
    // first call after a reload would pass a full window.
    let clock = FakeClock()
    clock.advance(0.0001)
    let before = limiter(5000, clock: clock)
    for _ in 0..<5000 { #expect(before.admit(tool: "echo") == nil) }
    let after = limiter(5000, clock: clock, carrying: before)
    #expect(after.admit(tool: "echo") != nil)
}
