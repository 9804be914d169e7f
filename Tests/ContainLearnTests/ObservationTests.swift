import ContainAudit
@testable import ContainLearn
import ContainRuleKit
import Testing
import ContainProfile

@Suite struct ObservationTests {
    @Test func openFlagsBecomeAccessModes() {
        let o = Observation()
        o.record(open("/usr/lib/python3.11/os.py"))
        o.record(open("/home/tester/project/out.txt", "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC"))
        o.record(open("/home/tester/project/db", "O_RDWR"))
        o.record(open("/usr/lib/python3.11", "O_RDONLY|O_DIRECTORY|O_CLOEXEC"))
        o.record(open("/etc/passwd", "O_PATH"))
        o.record(open("/var/log/x", "0x241")) // numeric: O_WRONLY|O_CREAT|O_TRUNC
        o.record(syscallEvent("execve", [("path", "/usr/bin/ls")]))
        o.record(syscallEvent("newfstatat", [("dirfd", "AT_FDCWD"), ("path", "/etc/hosts")]))
        o.record(syscallEvent("renameat2", [("path", "/home/tester/project/a"), ("newpath", "/home/tester/project/b"), ("flags", "0x0")]))
        let s = o.snapshot
        #expect(s.files["/usr/lib/python3.11/os.py"]?.access == .read)
        #expect(s.files["/home/tester/project/out.txt"]?.access == .write)
        #expect(s.files["/home/tester/project/db"]?.access == [.read, .write])
        #expect(s.files["/usr/lib/python3.11"]?.access == .list)
        #expect(s.files["/etc/passwd"]?.access == .lookup)
        #expect(s.files["/var/log/x"]?.access == .write)
        #expect(s.files["/usr/bin/ls"]?.access == .execute)
        #expect(s.executed["/usr/bin/ls"] == 1)
        #expect(s.files["/etc/hosts"]?.access == .lookup)
        #expect(s.files["/home/tester/project/b"]?.access == .write)
        #expect(s.syscalls["openat"] == 6)
        #expect(s.syscallExes["openat"] == ["/usr/bin/python3.11"])
    }

    @Test func keyArgumentsAreCounted() {
        let o = Observation()
        o.record(syscallEvent("ioctl", [("fd", "1"), ("request", "TCGETS")]))
        o.record(syscallEvent("ioctl", [("fd", "1"), ("request", "TCGETS")]))
        o.record(syscallEvent("socket", [("family", "AF_INET6"), ("type", "SOCK_STREAM|SOCK_CLOEXEC"), ("protocol", "0")]))
        o.record(syscallEvent("socket", [("family", "AF_UNIX"), ("type", "SOCK_STREAM"), ("protocol", "0")]))
        o.record(syscallEvent("clone", [("flags", "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM")]))
        o.record(syscallEvent("unshare", [("flags", "CLONE_NEWUSER")]))
        o.record(syscallEvent("prctl", [("option", "PR_SET_NAME"), ("arg2", "0x7ffd")]))
        o.record(syscallEvent("connect", [("fd", "3"), ("address", "93.184.216.34:443")]))
        o.record(syscallEvent("connect", [("fd", "3"), ("address", "[::1]:9000")]))
        o.record(syscallEvent("connect", [("fd", "3"), ("address", "/run/dbus/system_bus_socket")]))
        o.record(syscallEvent("connect", [("fd", "3"), ("address", "@/tmp/.X11-unix/X0")]))
        o.record(syscallEvent("bind", [("fd", "4"), ("address", "127.0.0.1:8080")]))
        o.record(syscallEvent("openat", [("path", "relative/file"), ("flags", "O_RDONLY")]))
        let s = o.snapshot
        #expect(s.ioctlRequests == ["TCGETS": 2])
        #expect(s.socketFamilies == ["inet6": 1, "unix": 1])
        #expect(s.cloneFlags["CLONE_THREAD"] == 1 && s.cloneFlags["CLONE_NEWUSER"] == 1)
        #expect(s.prctlOptions == ["PR_SET_NAME": 1])
        #expect(s.connects == ["93.184.216.34:443": 1, "[::1]:9000": 1])
        #expect(s.files["/run/dbus/system_bus_socket"]?.access == .read)
        #expect(s.abstractSockets == ["@/tmp/.X11-unix/X0": 1])
        #expect(s.boundPorts == [8080])
        #expect(s.unresolvedPaths == ["relative/file": 1])
    }

    @Test func toolCallsKeepTheirArguments() throws {
        let o = Observation()
        let args = try JSONParser.parse(#"{"command":["git","status"],"directory":"/home/tester/project","opts":{"namespace":"dev"},"n":3}"#)
        o.recordToolCall(name: "shell_execute", arguments: args, requestID: "1")
        // The proxy's audit record of the same call is not counted twice.
        o.record(AuditEvent(wall: .transport, event: "tool_call", verdict: .allowed, rule: "", tool: "shell_execute",
                            requestID: "1", detail: "allowed"))
        // A record without a rule having seen it (a proxy that renders arguments) still counts.
        o.record(AuditEvent(wall: .transport, event: "tool_call", verdict: .wouldBlock, rule: "x",
                            args: [("command", #"["ls","-l"]"#), ("path", "/etc")], tool: "shell_execute", requestID: "2", detail: "d"))
        let t = try #require(o.snapshot.tools["shell_execute"])
        #expect(t.calls == 2)
        #expect(t.arguments["command"]?[.strings(["git", "status"])] == 1)
        #expect(t.arguments["command"]?[.strings(["ls", "-l"])] == 1)
        #expect(t.arguments["opts.namespace"]?[.string("dev")] == 1)
        #expect(t.arguments["n"]?[.other("3")] == 1)
        #expect(t.arguments["path"]?[.string("/etc")] == 1)
    }

    @Test func attachedToAnAuditLogSeesEveryEvent() {
        let log = AuditLog(fd: nil, level: .all)
        let o = Observation()
        o.attach(to: log)
        log.record(open("/etc/hosts"))
        log.record(syscallEvent("getcwd", []))
        #expect(o.snapshot.eventCount == 2)
        #expect(o.snapshot.syscalls == ["openat": 1, "getcwd": 1])
    }

    @Test func concurrentRecordersLoseNothing() async {
        let o = Observation()
        await withTaskGroup(of: Void.self) { g in
            for t in 0..<8 {
                g.addTask { for i in 0..<500 { o.record(open("/data/\(t)/\(i % 50)")) } }
            }
        }
        #expect(o.snapshot.syscalls["openat"] == 4000)
        #expect(o.snapshot.files.keys.filter { $0.hasPrefix("/data/") }.count == 400)
        // The executable of the process that made the calls is learned too (execve itself is not traced).
        #expect(o.snapshot.files["/usr/bin/python3.11"]?.access == .execute)
    }
}

@Suite struct LexicalPathTests {
    @Test func normalFormIsDetectedAndProduced() {
        for p in ["/", "/a", "/a/b.c", "/a/...", "/a/.b", "/a/b..", "/usr/lib/python3.11/os.py"] {
            #expect(LexicalPath.isNormal(p), "\(p)")
            #expect(LexicalPath.normalize(p) == p)
        }
        let cases = ["//a": "/a", "/a//b": "/a/b", "/a/./b": "/a/b", "/a/../b": "/b", "/a/b/": "/a/b", "/a/.": "/a",
                     "/a/..": "/", "/..": "/", "/./": "/", "/a/b/../../..": "/"]
        for (input, expected) in cases {
            #expect(!LexicalPath.isNormal(input), "\(input)")
            #expect(LexicalPath.normalize(input) == expected, "\(input)")
        }
        #expect(!LexicalPath.isNormal("relative/path") && !LexicalPath.isNormal(""))
    }
}
