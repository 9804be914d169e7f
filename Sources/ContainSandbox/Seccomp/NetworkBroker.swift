// network.allow: the supervisor makes the allowed connections itself, from the host's network namespace,
// and puts the connected socket in place of the sandboxed process's socket (SECCOMP_IOCTL_NOTIF_ADDFD with
// SETFD). The sandbox has no interface but loopback, so nothing else it tries can leave.
//
// connect(fd, addr) from the sandbox:
//   - inet/inet6 destination in the allowlist, SOCK_STREAM socket: brokered. The supervisor copies the
//     target's socket (pidfd_getfd, after ID_VALID) only to read its domain, type, protocol, O_NONBLOCK and
//     a few options, opens its own socket with those, connects it non-blocking, installs it over the
//     target's fd number, and answers 0 (blocking socket: after the connect finished, on a short-lived
//     thread so other notifications are not held up) or EINPROGRESS (non-blocking socket: the program
//     polls the installed socket as it would its own). ADDFD is done without SECCOMP_ADDFD_FLAG_SEND and
//     the answer sent separately, because SEND makes the syscall return the fd number and connect must
//     return 0.
//   - a loopback destination not in the allowlist: the sandbox's own loopback; the call continues in the
//     sandbox (SECCOMP_USER_NOTIF_FLAG_CONTINUE) only after checking that the target is in a different
//     network namespace than the supervisor, since CONTINUE re-reads the address the target can change.
//   - unix and other non-inet families: continue likewise (the mount view and Landlock govern them).
//   - anything else: ECONNREFUSED, reported with the destination.
// sendto(fd, ..., addr) with a destination: loopback continues in the sandbox; anything else is refused
// with EACCES and reported (unconnected UDP is how DNS to an outside resolver would leave).

import CSeccomp
import ContainAudit
import ContainProfile
import ContainThreads
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

enum NetworkBroker {
    static let maxConcurrentBlockingConnects = 32

    static func handle(syscall: String, id: UInt64, pid: Int32, args: [UInt64], listener: NotifyListener) {
        let fdNumber = Int32(truncatingIfNeeded: args[0])
        let addrIndex = syscall == "sendto" ? 4 : 1
        let lenArg = args[addrIndex + 1]
        let len = Int(min(lenArg, 128))
        let bytes = len >= 2 ? ProcessMemory.bytes(pid: pid, addr: args[addrIndex], len: len) : nil
        let exe = ProcessMemory.exe(pid: pid)
        let valid = contain_seccomp_notif_id_valid(listener.listenerFD, id) == 0
        guard valid else { return } // the target is gone; nothing to answer

        let family = bytes.map { UInt16($0[0]) | UInt16($0[1]) << 8 } ?? 0
        let endpoint = bytes.flatMap(NetworkEndpoint.parse)

        func answer(_ error: Int32) { send(listener.listenerFD, id, error: error) }
        func record(_ verdict: Verdict, _ detail: String, address: String?) {
            var a: [(String, String)] = [("fd", String(fdNumber))]
            if let address { a.append(("address", address)) }
            listener.record(AuditEvent(wall: .environment, event: "connect", verdict: verdict, rule: BuiltinRule.networkAllow,
                                       pid: pid, exe: exe, syscall: syscall, args: a, detail: detail))
        }
        func continueInSandbox() {
            // CONTINUE lets the kernel re-read the address, which another thread of the target may have
            // changed: safe only where the target's network is not ours.
            if privateNetwork(pid) { sendContinue(listener.listenerFD, id); return }
            answer(EACCES)
            let dest = endpoint?.description ?? bytes.flatMap(Sockaddr.render) ?? "an unreadable address"
            record(.blocked, "blocked \(syscall) to \(dest) (the sandbox shares the supervisor's network namespace, so it cannot continue there)", address: dest)
        }

        guard family == UInt16(AF_INET) || family == UInt16(AF_INET6) else {
            // Unreadable address: let the kernel produce its own EFAULT/EINVAL in the sandbox.
            continueInSandbox()
            return
        }
        guard let ep = endpoint else { continueInSandbox(); return }

        if syscall == "connect", let dest = listener.allowlist?.allows(ep) {
            broker(id: id, pid: pid, fd: fdNumber, address: Array(bytes ?? []), endpoint: ep, entry: dest,
                   exe: exe, listener: listener)
            return
        }
        if ep.isLoopback { continueInSandbox(); return }
        let verb = syscall == "connect" ? "connect" : "send"
        if listener.observe {
            record(.wouldBlock, "would block \(verb) to \(ep) (not in network.allow; observe mode)", address: ep.description)
            continueInSandbox()
            return
        }
        answer(syscall == "connect" ? ECONNREFUSED : EACCES)
        let why = listener.allowlist?.allows(ep) != nil ? "only TCP connect is brokered" : "not in network.allow"
        record(.blocked, "blocked \(verb) to \(ep) (\(why))", address: ep.description)
    }

    /// Makes the connection from the supervisor and installs it over the target's fd.
    static func broker(id: UInt64, pid: Int32, fd: Int32, address: [UInt8], endpoint: NetworkEndpoint,
                       entry: NetworkDestination, exe: String?, listener: NotifyListener) {
        @Sendable func record(_ verdict: Verdict, _ detail: String) {
            listener.record(AuditEvent(wall: .environment, event: "connect", verdict: verdict, rule: BuiltinRule.networkAllow,
                                       pid: pid, exe: exe, syscall: "connect",
                                       args: [("fd", String(fd)), ("address", endpoint.description)], detail: detail))
        }
        let copy = contain_notif_getfd(listener.listenerFD, id, pid, fd)
        // Answer even when the target looks gone: an unanswered notification leaves a live thread blocked in
        // connect() forever, while answering a vanished one costs an ENOENT from the ioctl.
        if copy == -ENOENT || copy == -ESRCH { send(listener.listenerFD, id, error: ECONNREFUSED); return }
        guard copy >= 0 else { send(listener.listenerFD, id, error: copy == -EBADF ? EBADF : ECONNREFUSED); return }
        let shape = SocketShape(of: copy)
        _ = close(copy)
        guard let shape else { send(listener.listenerFD, id, error: ENOTSOCK); return }
        guard shape.type == Int32(SOCK_STREAM.rawValue) else {
            send(listener.listenerFD, id, error: ECONNREFUSED)
            record(.blocked, "blocked connect to \(endpoint) (only TCP connect is brokered)")
            return
        }
        let cloexec = fdIsCloexec(pid: pid, fd: fd)
        let s = socket(shape.domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), shape.proto)
        guard s >= 0 else {
            send(listener.listenerFD, id, error: errno)
            record(.allowed, "connect to \(endpoint) (\(entry)) failed in the supervisor: socket: \(SeccompError.errnoName(errno))")
            return
        }
        shape.apply(to: s)
        let r = address.withUnsafeBytes { contain_connect_raw(s, $0.baseAddress, UInt32($0.count)) }
        if r == 0 || (r == -EINPROGRESS && shape.nonblocking) {
            let err = install(s, id: id, targetFD: fd, cloexec: cloexec, blocking: !shape.nonblocking, answer: r == 0 ? 0 : EINPROGRESS, notifyFD: listener.listenerFD)
            record(.allowed, err == 0 ? "brokered connect to \(endpoint) (network.allow \(entry))" : "brokered connect to \(endpoint) could not be installed: \(SeccompError.errnoName(err))")
            return
        }
        if r != -EINPROGRESS {
            _ = close(s)
            send(listener.listenerFD, id, error: -r)
            record(.allowed, "brokered connect to \(endpoint) (network.allow \(entry)) failed: \(SeccompError.errnoName(-r))")
            return
        }
        // A blocking socket whose connect is in flight: wait on our own thread, not the listener's. The
        // thread answers through its own copy of the listener fd, so stop() may close the listener's.
        let own = contain_dup_cloexec(listener.listenerFD)
        let notifyFD = own >= 0 ? own : listener.listenerFD
        let finish: @Sendable () -> Void = {
            let e = waitConnected(s, timeoutMS: shape.sendTimeoutMS)
            if e != 0 {
                _ = close(s)
                send(notifyFD, id, error: e)
                record(.allowed, "brokered connect to \(endpoint) (network.allow \(entry)) failed: \(SeccompError.errnoName(e))")
            } else {
                let err = install(s, id: id, targetFD: fd, cloexec: cloexec, blocking: true, answer: 0, notifyFD: notifyFD)
                record(.allowed, err == 0 ? "brokered connect to \(endpoint) (network.allow \(entry))" : "brokered connect to \(endpoint) could not be installed: \(SeccompError.errnoName(err))")
            }
            if own >= 0 { _ = close(own) }
            listener.blockingConnects.subtract(1, ordering: .relaxed)
        }
        if listener.blockingConnects.add(1, ordering: .relaxed).newValue <= maxConcurrentBlockingConnects,
           case .success = PosixThread.spawn(detached: true, finish) {
            return
        }
        finish() // too many in flight (or no thread): wait here rather than refuse an allowed destination
    }

    /// ADDFD(SETFD) then the answer. Returns 0 or the errno that prevented it (ENOENT: target gone).
    static func install(_ s: Int32, id: UInt64, targetFD: Int32, cloexec: Bool, blocking: Bool, answer: Int32,
                        notifyFD: Int32) -> Int32 {
        defer { _ = close(s) }
        if blocking {
            let fl = contain_getfl(s)
            if fl >= 0 { _ = contain_setfl(s, fl & ~Int32(O_NONBLOCK)) }
        }
        var r: Int32
        repeat {
            r = contain_seccomp_notif_addfd(notifyFD, id, s, targetFD, 1, 0, cloexec ? UInt32(O_CLOEXEC) : 0)
        } while r == -EINTR
        if r < 0 {
            if r != -ENOENT { send(notifyFD, id, error: ECONNREFUSED) }
            return -r
        }
        send(notifyFD, id, error: answer)
        return 0
    }

    static func waitConnected(_ s: Int32, timeoutMS: Int32) -> Int32 {
        var p = pollfd(fd: s, events: Int16(POLLOUT), revents: 0)
        while true {
            let r = poll(&p, 1, timeoutMS)
            if r < 0 { if errno == EINTR { continue }; return errno }
            if r == 0 { return ETIMEDOUT }
            break
        }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0 { return errno }
        return err
    }

    static func send(_ notifyFD: Int32, _ id: UInt64, error: Int32) {
        var rc: Int32
        repeat { rc = contain_seccomp_notif_send(notifyFD, id, 0, error, 0) } while rc == -EINTR
    }

    static func sendContinue(_ notifyFD: Int32, _ id: UInt64) {
        var rc: Int32
        repeat { rc = contain_seccomp_notif_send(notifyFD, id, 0, 0, 1) } while rc == -EINTR
    }

    /// The target's network namespace is not the supervisor's (inode numbers of /proc/.../ns/net differ).
    static func privateNetwork(_ pid: Int32) -> Bool {
        // "net:[inode]": nsfs names the namespace by inode.
        guard let mine = ProcessMemory.link("/proc/self/ns/net"), let theirs = ProcessMemory.link("/proc/\(pid)/ns/net") else { return false }
        return mine != theirs
    }

    /// FD_CLOEXEC of the target's fd, from /proc/PID/fdinfo/FD ("flags:" is octal and includes O_CLOEXEC).
    static func fdIsCloexec(pid: Int32, fd: Int32) -> Bool {
        let f = open("/proc/\(pid)/fdinfo/\(fd)", O_RDONLY | O_CLOEXEC)
        guard f >= 0 else { return true }
        defer { _ = close(f) }
        var buf = [UInt8](repeating: 0, count: 512)
        let n = buf.withUnsafeMutableBytes { read(f, $0.baseAddress, $0.count) }
        guard n > 0 else { return true }
        let text = String(decoding: buf[0..<n], as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("flags:") {
            let v = line.dropFirst(6).trimmingCharacters(in: " \t")
            if let flags = UInt64(v, radix: 8) { return flags & UInt64(O_CLOEXEC) != 0 }
        }
        return true
    }
}

/// What the broker needs to reproduce the target's socket in the supervisor.
struct SocketShape: Sendable {
    var domain: Int32
    var type: Int32
    var proto: Int32
    var nonblocking: Bool
    var keepalive: Int32 = 0
    var nodelay: Int32 = 0
    var v6only: Int32?
    var sendTimeout = timeval()
    var receiveTimeout = timeval()

    init?(of fd: Int32) {
        func int(_ level: Int32, _ opt: Int32) -> Int32? {
            var v: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            return getsockopt(fd, level, opt, &v, &len) == 0 ? v : nil
        }
        guard let d = int(SOL_SOCKET, SO_DOMAIN), let t = int(SOL_SOCKET, SO_TYPE), let p = int(SOL_SOCKET, SO_PROTOCOL) else { return nil }
        domain = d; type = t; proto = p
        let fl = contain_getfl(fd)
        nonblocking = fl >= 0 && fl & Int32(O_NONBLOCK) != 0
        keepalive = int(SOL_SOCKET, SO_KEEPALIVE) ?? 0
        nodelay = int(Int32(IPPROTO_TCP), TCP_NODELAY) ?? 0
        if d == AF_INET6 { v6only = int(Int32(IPPROTO_IPV6), IPV6_V6ONLY) }
        var len = socklen_t(MemoryLayout<timeval>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, &len)
        len = socklen_t(MemoryLayout<timeval>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &receiveTimeout, &len)
    }

    func apply(to s: Int32) {
        func set(_ level: Int32, _ opt: Int32, _ v: Int32) {
            var v = v
            _ = setsockopt(s, level, opt, &v, socklen_t(MemoryLayout<Int32>.size))
        }
        if keepalive != 0 { set(SOL_SOCKET, SO_KEEPALIVE, keepalive) }
        if nodelay != 0 { set(Int32(IPPROTO_TCP), TCP_NODELAY, nodelay) }
        if let v6only { set(Int32(IPPROTO_IPV6), IPV6_V6ONLY, v6only) }
        var st = sendTimeout, rt = receiveTimeout
        _ = setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &st, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &rt, socklen_t(MemoryLayout<timeval>.size))
    }

    /// connect(2) on a blocking socket honours SO_SNDTIMEO; -1 (no timeout) otherwise: the kernel's own
    /// SYN retries bound the wait.
    var sendTimeoutMS: Int32 {
        let ms = Int(sendTimeout.tv_sec) * 1000 + Int(sendTimeout.tv_usec) / 1000
        return ms > 0 ? Int32(clamping: ms) : -1
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
