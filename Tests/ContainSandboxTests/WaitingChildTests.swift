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

extension WaitingChildTests {
    /// A plan the child cannot read, sent with a descriptor in the first slot (where the report pipe goes):
    /// the child must say so on that descriptor (CONTAIN_REPORT_BAD_PLAN), so that the supervisor reports a
    /// clear error instead of reading EOF as "the server started".
    @Test func aChildThatCannotReadItsPlanSaysSoOnTheReportPipe() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let st = try exitStatus { sock in
            // A header with the wrong magic: {magic, nfds = 1, length}, and the pipe's write end attached.
            var header = [UInt8](repeating: 0, count: 16)
            withUnsafeBytes(of: UInt32(0xdead_beef).littleEndian) { header.replaceSubrange(0..<4, with: $0) }
            withUnsafeBytes(of: UInt32(1).littleEndian) { header.replaceSubrange(4..<8, with: $0) }
            withUnsafeBytes(of: UInt64(4096).littleEndian) { header.replaceSubrange(8..<16, with: $0) }
            // struct cmsghdr { size_t len; int level; int type; } + one int, padded to 8 (CMSG_SPACE(4) = 24).
            var control = [UInt8](repeating: 0, count: 24)
            withUnsafeBytes(of: UInt64(20)) { control.replaceSubrange(0..<8, with: $0) }        // CMSG_LEN(4)
            withUnsafeBytes(of: Int32(SOL_SOCKET)) { control.replaceSubrange(8..<12, with: $0) }
            withUnsafeBytes(of: Int32(1)) { control.replaceSubrange(12..<16, with: $0) }        // SCM_RIGHTS
            withUnsafeBytes(of: fds[1]) { control.replaceSubrange(16..<20, with: $0) }
            header.withUnsafeMutableBytes { h in
                control.withUnsafeMutableBytes { c in
                    var iov = iovec(iov_base: h.baseAddress, iov_len: h.count)
                    withUnsafeMutablePointer(to: &iov) { iovp in
                        var msg = msghdr()
                        msg.msg_iov = iovp
                        msg.msg_iovlen = 1
                        msg.msg_control = c.baseAddress
                        msg.msg_controllen = c.count
                        #expect(sendmsg(sock, &msg, 0) == 16)
                    }
                }
            }
            close(fds[1])
        }
        #expect(st & 0x7f == 0 && (st >> 8) & 0xff == 125, "raw status \(st)")
        var rec = contain_report()
        let n = withUnsafeMutableBytes(of: &rec) { read(fds[0], $0.baseAddress, $0.count) }
        #expect(n == MemoryLayout<contain_report>.size)
        #expect(rec.step == CONTAIN_REPORT_BAD_PLAN && rec.err == EPROTO)
        let message = Launcher.describe((Int(rec.step), rec.err), plan: SandboxPlan(steps: [], execPath: "/bin/true", argv: ["true"],
            environment: [], workingDirectory: "/", idMapping: IDMapping(hostUID: 0, hostGID: 0, denySetgroups: false),
            runtimeAdditions: [], landlockABI: 0), listenerError: nil)
        #expect(message.exitStatus == 125 && message.message.contains("could not read its plan: EPROTO"))
    }
}
