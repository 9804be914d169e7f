// The sandbox child before its plan (contain_spawn_waiting): it must never run anything it was not sent,
// and never outlive a supervisor that gave up before sending a plan.

import Testing
import Glibc
@testable import ContainSandbox
import CContainChild

@Suite struct WaitingChildTests {
    /// Spawns a waiting child, lets `feed` do what it wants with the socket, closes it, and returns the
    /// child's exit status (SIGKILL after 20 s, so a child that keeps waiting fails the test instead of
    /// hanging it).
    func exitStatus(feeding feed: (Int32) -> Void) throws -> Int32 {
        var child = contain_waiting_child()
        try #require(contain_spawn_waiting(&child) == 0, "clone: \(Sys.errnoText(child.err))")
        defer { close(child.pidfd) }
        feed(child.plan_fd)
        close(child.plan_fd)
        var polls = 0
        while true {
            var st: Int32 = 0
            let r = waitpid(child.pid, &st, WNOHANG)
            if r == child.pid { return st }
            if r < 0 && errno != EINTR { Issue.record("waitpid: \(Sys.errnoText(errno))"); return -1 }
            polls += 1
            if polls == 2000 { kill(child.pid, SIGKILL) }
            usleep(10_000)
        }
    }

    @Test func aChildGivenNoPlanExitsWithoutRunningAnything() throws {
        let st = try exitStatus { _ in }
        #expect(st & 0x7f == 0 && (st >> 8) & 0xff == 125, "raw status \(st)")
    }

    @Test func aChildGivenAMalformedPlanExitsWithoutRunningAnything() throws {
        // A header of the wrong size and magic, no descriptors: nothing to run, no one to report to.
        let st = try exitStatus { fd in
            var junk: [UInt8] = Array(repeating: 0x41, count: 24)
            _ = junk.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
        }
        #expect(st & 0x7f == 0 && (st >> 8) & 0xff == 125, "raw status \(st)")
    }
}
