// How learn mode reads the decoded arguments of an environment-wall `syscall` event.
//
// The USER_NOTIF listener renders arguments for humans (`("path", "/usr/lib/x.so")`, `("flags", "O_RDONLY|O_CLOEXEC")`).
// Learning needs a few of them back as facts. The keys read here (first match wins):
//
//   path     "path", "pathname", "filename", "oldpath", "target"  (absolute after the listener resolved dirfd/cwd)
//   path2    "newpath", "path2", "linkpath"                          (second path of rename/link/symlink)
//   flags    "flags", "open_flags"                                    (open: O_*; clone/unshare: CLONE_*)
//   request  "request", "cmd"                                         (ioctl)
//   family   "family", "domain"                                       (socket: AF_* or the number)
//   option   "option"                                                  (prctl: PR_* or the number)
//   address  "address", "addr", "dest", "destination", "sockaddr"     (connect/bind: "1.2.3.4:443", "[::1]:9",
//                                                                     "/run/x.sock", "@abstract")
//
// A value the listener could not decode (e.g. "0x8000" for flags) is interpreted from its number where that is
// unambiguous; anything else is kept verbatim so the report can show it.

import ContainAudit

enum SyscallArgKeys {
    static let path = ["path", "pathname", "filename", "oldpath", "target"]
    static let path2 = ["newpath", "path2", "linkpath"]
    static let flags = ["flags", "open_flags"]
    static let request = ["request", "cmd"]
    static let family = ["family", "domain"]
    static let option = ["option"]
    static let address = ["address", "addr", "dest", "destination", "sockaddr"]

    static func first(_ keys: [String], in args: [(String, String)]) -> String? {
        for k in keys { if let v = args.first(where: { $0.0 == k })?.1 { return v } }
        return nil
    }
}

/// What a path-bearing syscall did to its path, as Landlock and the bind view will need it.
public struct FileAccess: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Contents read.
    public static let read = FileAccess(rawValue: 1)
    /// Created, written, truncated, removed, renamed, metadata changed.
    public static let write = FileAccess(rawValue: 2)
    /// execve'd, or mapped as code (shared objects).
    public static let execute = FileAccess(rawValue: 4)
    /// A directory opened for listing.
    public static let list = FileAccess(rawValue: 8)
    /// Only looked at (stat, access, readlink, chdir): the path must exist, nothing more.
    public static let lookup = FileAccess(rawValue: 16)

    var names: [String] {
        var n: [String] = []
        if contains(.read) { n.append("read") }
        if contains(.write) { n.append("write") }
        if contains(.execute) { n.append("execute") }
        if contains(.list) { n.append("list") }
        if contains(.lookup) { n.append("stat") }
        return n
    }
}

/// Classifies syscalls by what they do to the paths they name.
enum SyscallPathEffect {
    static let lookupCalls: Set<String> = [
        "stat", "lstat", "newfstatat", "fstatat64", "statx", "access", "faccessat", "faccessat2", "readlink",
        "readlinkat", "getxattr", "lgetxattr", "listxattr", "llistxattr", "statfs", "chdir", "getxattrat",
        "listxattrat", "stat64", "lstat64",
    ]
    static let writeCalls: Set<String> = [
        "mkdir", "mkdirat", "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2", "link", "linkat",
        "symlink", "symlinkat", "chmod", "fchmodat", "fchmodat2", "chown", "lchown", "fchownat", "truncate",
        "utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "removexattr", "lremovexattr",
        "mknod", "mknodat", "setxattrat", "removexattrat", "creat",
    ]
    static let openCalls: Set<String> = ["open", "openat", "openat2"]
    static let execCalls: Set<String> = ["execve", "execveat"]

    /// The access an open-family call asks for, from its rendered flags ("O_WRONLY|O_CREAT", "0x241", "577").
    static func openAccess(flags: String?) -> FileAccess {
        guard let flags, !flags.isEmpty else { return .read }
        if let n = parseNumber(flags) { return openAccess(number: n) }
        let parts = Set(flags.split(separator: "|").map { $0.trimmingSpaces.uppercased() })
        if parts.contains("O_PATH") { return .lookup }
        var a: FileAccess = []
        if parts.contains("O_WRONLY") || parts.contains("O_RDWR") || parts.contains("O_CREAT")
            || parts.contains("O_TRUNC") || parts.contains("O_APPEND") || parts.contains("O_TMPFILE") {
            a.insert(.write)
        }
        if !parts.contains("O_WRONLY") { a.insert(parts.contains("O_DIRECTORY") ? .list : .read) }
        if parts.contains("O_RDWR") { a.insert(.read) }
        return a
    }

    // x86_64/generic open flag bits.
    static func openAccess(number n: UInt64) -> FileAccess {
        let accmode = n & 3
        if n & 0o10000000 != 0 && n & 0o200000 == 0 { return .lookup } // O_PATH without O_TMPFILE's O_DIRECTORY
        var a: FileAccess = []
        // O_CREAT 0o100, O_TRUNC 0o1000, O_APPEND 0o2000, O_TMPFILE 0o20000000|O_DIRECTORY
        if accmode != 0 || n & (0o100 | 0o1000 | 0o2000 | 0o20000000) != 0 { a.insert(.write) }
        if accmode != 1 { a.insert(n & 0o200000 != 0 && accmode == 0 ? .list : .read) }
        return a
    }

    static func parseNumber(_ s: String) -> UInt64? {
        let t = s.trimmingSpaces
        if t.hasPrefix("0x") || t.hasPrefix("0X") { return UInt64(t.dropFirst(2), radix: 16) }
        if t.count > 1, t.hasPrefix("0"), t.allSatisfy({ $0 >= "0" && $0 <= "7" }) { return UInt64(t.dropFirst(), radix: 8) }
        return UInt64(t)
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
