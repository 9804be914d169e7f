// Renders a notified syscall's arguments for humans and for learn mode: path strings read from the target
// (relative ones joined to its cwd or dirfd), ioctl request names, clone/unshare flag names, socket family
// and type names, sockaddr destinations. Keys are a contract with ContainLearn (SyscallEventArgs.swift):
// path/newpath, flags, request, family, type, option, address, mode, fd.

import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

enum ArgSpec: Sendable {
    /// Path string; `dirfd` is the index of the directory fd it is relative to (nil: cwd).
    case path(String, dirfd: Int?)
    /// A string that is not a path (fstype, xattr name, module name).
    case string(String)
    case openFlags(String)
    case mode(String)
    case cloneFlags(String, signalByte: Bool)
    case ioctlRequest
    case family
    case socketType
    case prctlOption
    case sockaddr(String, lengthIndex: Int)
    case fd(String)
    case int(String)
    case hex(String)
    case signal(String)
}

enum SyscallArgumentDecoder {
    static let atFDCWD: Int32 = -100

    /// Argument layout by syscall name (index -> how to render). Unlisted syscalls get no decoded args.
    static let specs: [String: [(Int, ArgSpec)]] = {
        var t: [String: [(Int, ArgSpec)]] = [:]
        let p = { (k: String) in ArgSpec.path(k, dirfd: nil) }
        let pat = { (k: String, d: Int) in ArgSpec.path(k, dirfd: d) }
        t["open"] = [(0, p("path")), (1, .openFlags("flags")), (2, .mode("mode"))]
        t["creat"] = [(0, p("path")), (1, .mode("mode"))]
        t["openat"] = [(0, .fd("dirfd")), (1, pat("path", 0)), (2, .openFlags("flags")), (3, .mode("mode"))]
        t["openat2"] = [(0, .fd("dirfd")), (1, pat("path", 0))]
        t["open_by_handle_at"] = [(0, .fd("mount_fd")), (2, .openFlags("flags"))]
        t["name_to_handle_at"] = [(1, pat("path", 0))]
        for n in ["stat", "lstat", "access", "readlink", "rmdir", "unlink", "chdir", "chroot", "truncate", "acct",
                  "swapon", "swapoff", "uselib", "statfs", "utime", "utimes", "getxattr", "lgetxattr", "setxattr",
                  "lsetxattr", "listxattr", "llistxattr", "removexattr", "lremovexattr"] {
            t[n] = [(0, p("path"))]
        }
        for n in ["newfstatat", "statx", "faccessat", "faccessat2", "readlinkat", "futimesat", "utimensat",
                  "open_tree", "fspick", "mount_setattr", "getxattrat", "setxattrat", "listxattrat", "removexattrat"] {
            t[n] = [(0, .fd("dirfd")), (1, pat("path", 0))]
        }
        t["execve"] = [(0, p("path"))]
        t["execveat"] = [(0, .fd("dirfd")), (1, pat("path", 0))]
        t["mkdir"] = [(0, p("path")), (1, .mode("mode"))]
        t["mkdirat"] = [(0, .fd("dirfd")), (1, pat("path", 0)), (2, .mode("mode"))]
        t["unlinkat"] = [(0, .fd("dirfd")), (1, pat("path", 0)), (2, .hex("flags"))]
        t["rename"] = [(0, p("path")), (1, p("newpath"))]
        t["link"] = [(0, p("path")), (1, p("newpath"))]
        t["symlink"] = [(0, .string("target")), (1, p("path"))]
        t["renameat"] = [(1, pat("path", 0)), (3, pat("newpath", 2))]
        t["renameat2"] = [(1, pat("path", 0)), (3, pat("newpath", 2)), (4, .hex("flags"))]
        t["linkat"] = [(1, pat("path", 0)), (3, pat("newpath", 2))]
        t["symlinkat"] = [(0, .string("target")), (2, pat("path", 1))]
        t["chmod"] = [(0, p("path")), (1, .mode("mode"))]
        t["fchmod"] = [(0, .fd("fd")), (1, .mode("mode"))]
        t["fchmodat"] = [(1, pat("path", 0)), (2, .mode("mode"))]
        t["fchmodat2"] = [(1, pat("path", 0)), (2, .mode("mode"))]
        t["chown"] = [(0, p("path")), (1, .int("uid")), (2, .int("gid"))]
        t["lchown"] = t["chown"]
        t["fchownat"] = [(1, pat("path", 0)), (2, .int("uid")), (3, .int("gid"))]
        t["mknod"] = [(0, p("path")), (1, .mode("mode"))]
        t["mknodat"] = [(1, pat("path", 0)), (2, .mode("mode"))]
        t["mount"] = [(0, .string("source")), (1, p("path")), (2, .string("fstype")), (3, .hex("flags"))]
        t["umount2"] = [(0, p("path")), (1, .hex("flags"))]
        t["pivot_root"] = [(0, p("path")), (1, p("newpath"))]
        t["move_mount"] = [(1, pat("path", 0)), (3, pat("newpath", 2))]
        t["fsopen"] = [(0, .string("fstype"))]
        t["inotify_add_watch"] = [(1, p("path"))]
        t["quotactl"] = [(1, p("path"))]
        t["delete_module"] = [(0, .string("module"))]
        t["ioctl"] = [(0, .fd("fd")), (1, .ioctlRequest)]
        t["clone"] = [(0, .cloneFlags("flags", signalByte: true))]
        t["unshare"] = [(0, .cloneFlags("flags", signalByte: false))]
        t["setns"] = [(0, .fd("fd")), (1, .cloneFlags("nstype", signalByte: false))]
        t["socket"] = [(0, .family), (1, .socketType), (2, .int("protocol"))]
        t["socketpair"] = [(0, .family), (1, .socketType), (2, .int("protocol"))]
        t["connect"] = [(0, .fd("fd")), (1, .sockaddr("address", lengthIndex: 2))]
        t["bind"] = [(0, .fd("fd")), (1, .sockaddr("address", lengthIndex: 2))]
        t["sendto"] = [(0, .fd("fd")), (4, .sockaddr("address", lengthIndex: 5))]
        t["personality"] = [(0, .hex("persona"))]
        t["prctl"] = [(0, .prctlOption), (1, .hex("arg2"))]
        t["kill"] = [(0, .int("pid")), (1, .signal("signal"))]
        t["tkill"] = [(0, .int("tid")), (1, .signal("signal"))]
        t["tgkill"] = [(0, .int("tgid")), (1, .int("tid")), (2, .signal("signal"))]
        t["ptrace"] = [(0, .int("request")), (1, .int("pid"))]
        t["process_vm_readv"] = [(0, .int("pid"))]
        t["process_vm_writev"] = [(0, .int("pid"))]
        t["bpf"] = [(0, .int("cmd"))]
        t["keyctl"] = [(0, .int("cmd"))]
        t["perf_event_open"] = [(1, .int("pid")), (2, .int("cpu"))]
        t["setuid"] = [(0, .int("uid"))]
        t["setgid"] = [(0, .int("gid"))]
        t["reboot"] = [(2, .hex("cmd"))]
        t["finit_module"] = [(0, .fd("fd"))]
        t["io_uring_setup"] = [(0, .int("entries"))]
        return t
    }()

    /// Reads what it needs from the blocked target (before the answer: afterwards its memory may change).
    static func decode(syscall name: String, args: [UInt64], pid: Int32) -> [(String, String)] {
        guard let spec = specs[name] else { return [] }
        var out: [(String, String)] = []
        for (i, kind) in spec {
            let v = i < args.count ? args[i] : 0
            switch kind {
            case .path(let key, let dirfd):
                guard let s = ProcessMemory.string(pid: pid, addr: v) else { out.append((key, "0x" + String(v, radix: 16))); continue }
                out.append((key, absolute(s, pid: pid, dirfd: dirfd.map { Int32(truncatingIfNeeded: args[$0]) })))
            case .string(let key):
                if let s = ProcessMemory.string(pid: pid, addr: v, max: 256) { out.append((key, s)) }
            case .openFlags(let key): out.append((key, OpenFlags.render(v)))
            case .mode(let key): out.append((key, FileModes.render(v)))
            case .cloneFlags(let key, let sig): out.append((key, CloneFlags.render(v, signalByte: sig)))
            case .ioctlRequest: out.append(("request", IoctlNames.name(v)))
            case .family: out.append(("family", SocketFamilies.name(v)))
            case .socketType: out.append(("type", SocketFamilies.typeName(v)))
            case .prctlOption: out.append(("option", PrctlOptions.name(v)))
            case .sockaddr(let key, let li):
                let len = Int(min(UInt64(128), i < args.count && li < args.count ? args[li] : 0))
                if let b = ProcessMemory.bytes(pid: pid, addr: v, len: len), let s = Sockaddr.render(b) { out.append((key, s)) }
            case .fd(let key):
                let fd = Int32(truncatingIfNeeded: v)
                out.append((key, fd == atFDCWD ? "AT_FDCWD" : String(fd)))
            case .int(let key): out.append((key, String(Int64(bitPattern: v))))
            case .hex(let key): out.append((key, "0x" + String(v, radix: 16)))
            case .signal(let key):
                let s = Int32(truncatingIfNeeded: v)
                out.append((key, SignalNames.name(s) ?? String(s)))
            }
        }
        return out
    }

    /// Joins a relative path to the target's cwd or the directory behind its dirfd, as the kernel would.
    static func absolute(_ path: String, pid: Int32, dirfd: Int32?) -> String {
        if path.hasPrefix("/") || path.isEmpty { return path }
        let base: String?
        if let d = dirfd, d != atFDCWD { base = ProcessMemory.link("/proc/\(pid)/fd/\(d)") }
        else { base = ProcessMemory.link("/proc/\(pid)/cwd") }
        guard let b = base, b.hasPrefix("/") else { return path }
        return b == "/" ? "/" + path : b + "/" + path
    }
}

enum OpenFlags {
    static let names: [(UInt64, String)] = [
        (0o100, "O_CREAT"), (0o200, "O_EXCL"), (0o400, "O_NOCTTY"), (0o1000, "O_TRUNC"), (0o2000, "O_APPEND"),
        (0o4000, "O_NONBLOCK"), (0o10000, "O_DSYNC"), (0o40000, "O_DIRECT"), (0o200000, "O_DIRECTORY"),
        (0o400000, "O_NOFOLLOW"), (0o1000000, "O_NOATIME"), (0o2000000, "O_CLOEXEC"), (0o4000000, "O_SYNC"),
        (0o10000000, "O_PATH"), (0o20000000, "O_TMPFILE"),
    ]
    static func render(_ v: UInt64) -> String {
        var parts = [["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"][Int(v & 3)]]
        var rest = v & ~3
        if rest & 0o20200000 == 0o20200000 { parts.append("O_TMPFILE"); rest &= ~0o20200000 }
        for (bit, n) in names where rest & bit != 0 { parts.append(n); rest &= ~bit }
        if rest & 0o100000 != 0 { rest &= ~0o100000 } // O_LARGEFILE: noise
        if rest != 0 { parts.append("0x" + String(rest, radix: 16)) }
        return parts.joined(separator: "|")
    }
}

enum Sockaddr {
    /// "1.2.3.4:443", "[::1]:9000", "/run/x.sock", "@abstract", "AF_PACKET".
    static func render(_ b: [UInt8]) -> String? {
        guard b.count >= 2 else { return nil }
        let family = UInt16(b[0]) | UInt16(b[1]) << 8
        switch family {
        case 2 where b.count >= 8:
            let port = UInt16(b[2]) << 8 | UInt16(b[3])
            return "\(b[4]).\(b[5]).\(b[6]).\(b[7]):\(port)"
        case 10 where b.count >= 24:
            let port = UInt16(b[2]) << 8 | UInt16(b[3])
            return "[\(ipv6(Array(b[8..<24])))]:\(port)"
        case 1:
            let path = b.dropFirst(2)
            if path.first == 0 { return "@" + String(decoding: path.dropFirst().prefix { $0 != 0 }, as: UTF8.self) }
            return String(decoding: path.prefix { $0 != 0 }, as: UTF8.self)
        default:
            return SocketFamilies.name(UInt64(family))
        }
    }

    static func ipv6(_ a: [UInt8]) -> String {
        var buf = [UInt8](repeating: 0, count: 64)
        var addr = in6_addr()
        withUnsafeMutableBytes(of: &addr) { dst in for i in 0..<16 { dst[i] = a[i] } }
        let ok = buf.withUnsafeMutableBytes { b in
            inet_ntop(AF_INET6, &addr, b.baseAddress?.assumingMemoryBound(to: CChar.self), 64) != nil
        }
        guard ok else { return "?" }
        return String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
    }
}
