// Names a profile may use instead of numbers: errno names, socket families, and the constants argument rules
// compare against. Linux x86_64 / generic values (these ABI numbers never change). Kept as tables rather than
// imported from Glibc so the loader accepts exactly the documented names on every build machine.

public enum ErrnoNames {
    public static let table: [(String, Int32)] = [
        ("EPERM", 1), ("ENOENT", 2), ("ESRCH", 3), ("EINTR", 4), ("EIO", 5), ("ENXIO", 6), ("E2BIG", 7),
        ("ENOEXEC", 8), ("EBADF", 9), ("ECHILD", 10), ("EAGAIN", 11), ("EWOULDBLOCK", 11), ("ENOMEM", 12),
        ("EACCES", 13), ("EFAULT", 14), ("EBUSY", 16), ("EEXIST", 17), ("EXDEV", 18), ("ENODEV", 19),
        ("ENOTDIR", 20), ("EISDIR", 21), ("EINVAL", 22), ("ENFILE", 23), ("EMFILE", 24), ("ENOTTY", 25),
        ("ETXTBSY", 26), ("EFBIG", 27), ("ENOSPC", 28), ("ESPIPE", 29), ("EROFS", 30), ("EMLINK", 31),
        ("EPIPE", 32), ("EDOM", 33), ("ERANGE", 34), ("EDEADLK", 35), ("ENAMETOOLONG", 36), ("ENOLCK", 37),
        ("ENOSYS", 38), ("ENOTEMPTY", 39), ("ELOOP", 40), ("ENOMSG", 42), ("ENODATA", 61), ("ETIME", 62),
        ("ENOLINK", 67), ("EPROTO", 71), ("EBADMSG", 74), ("EOVERFLOW", 75), ("EILSEQ", 84), ("EUSERS", 87),
        ("ENOTSOCK", 88), ("EDESTADDRREQ", 89), ("EMSGSIZE", 90), ("EPROTOTYPE", 91), ("ENOPROTOOPT", 92),
        ("EPROTONOSUPPORT", 93), ("ESOCKTNOSUPPORT", 94), ("EOPNOTSUPP", 95), ("ENOTSUP", 95),
        ("EPFNOSUPPORT", 96), ("EAFNOSUPPORT", 97), ("EADDRINUSE", 98), ("EADDRNOTAVAIL", 99), ("ENETDOWN", 100),
        ("ENETUNREACH", 101), ("ENETRESET", 102), ("ECONNABORTED", 103), ("ECONNRESET", 104), ("ENOBUFS", 105),
        ("EISCONN", 106), ("ENOTCONN", 107), ("ETIMEDOUT", 110), ("ECONNREFUSED", 111), ("EHOSTDOWN", 112),
        ("EHOSTUNREACH", 113), ("EALREADY", 114), ("EINPROGRESS", 115), ("ESTALE", 116), ("EDQUOT", 122),
        ("ECANCELED", 125), ("EOWNERDEAD", 130), ("ENOTRECOVERABLE", 131),
    ]
    // The first entry of a name, by a scan: these tables are read a few times per start, and a
    // [String: Int32] built for that has its type metadata looked up by name at run time, which costs more.
    public static func number(_ name: String) -> Int32? { table.first { $0.0 == name }?.1 }
    public static func name(_ number: Int32) -> String? { table.first { $0.1 == number }?.0 }
}

/// Socket address families by the lower-case name after `AF_` (`socket_families: [unix, inet]`).
public enum SocketFamilies {
    public static let table: [(String, Int32)] = [
        ("unix", 1), ("inet", 2), ("ax25", 3), ("ipx", 4), ("appletalk", 5), ("netrom", 6), ("bridge", 7),
        ("atmpvc", 8), ("x25", 9), ("inet6", 10), ("rose", 11), ("decnet", 12), ("netbeui", 13), ("security", 14),
        ("key", 15), ("netlink", 16), ("packet", 17), ("ash", 18), ("econet", 19), ("atmsvc", 20), ("rds", 21),
        ("sna", 22), ("irda", 23), ("pppox", 24), ("wanpipe", 25), ("llc", 26), ("ib", 27), ("mpls", 28),
        ("can", 29), ("tipc", 30), ("bluetooth", 31), ("iucv", 32), ("rxrpc", 33), ("isdn", 34), ("phonet", 35),
        ("ieee802154", 36), ("caif", 37), ("alg", 38), ("nfc", 39), ("vsock", 40), ("kcm", 41), ("qipcrtr", 42),
        ("smc", 43), ("xdp", 44), ("mctp", 45),
    ]
    public static func number(_ name: String) -> Int32? { table.first { $0.0 == name }?.1 }
    public static var names: [String] { table.map(\.0) }
}

/// Constants usable as `value:`/`mask:` in syscall argument rules; `A|B` combines them.
public enum ArgumentConstants {
    public static let table: [(String, UInt64)] = [
        // ioctl requests that inject input into or take over the controlling terminal.
        ("TIOCSTI", 0x5412), ("TIOCLINUX", 0x541C), ("TIOCSCTTY", 0x540E), ("TIOCCONS", 0x541D),
        ("TIOCSETD", 0x5423), ("FIONREAD", 0x541B), ("TCGETS", 0x5401), ("TIOCGWINSZ", 0x5413),
        ("TIOCSWINSZ", 0x5414),
        // Namespace flags of clone/unshare.
        ("CLONE_NEWTIME", 0x80), ("CLONE_NEWNS", 0x20000), ("CLONE_NEWCGROUP", 0x0200_0000),
        ("CLONE_NEWUTS", 0x0400_0000), ("CLONE_NEWIPC", 0x0800_0000), ("CLONE_NEWUSER", 0x1000_0000),
        ("CLONE_NEWPID", 0x2000_0000), ("CLONE_NEWNET", 0x4000_0000),
        ("CLONE_THREAD", 0x10000), ("CLONE_VM", 0x100),
        // prctl options worth filtering.
        ("PR_SET_DUMPABLE", 4), ("PR_SET_SECCOMP", 22), ("PR_CAPBSET_DROP", 24), ("PR_SET_NO_NEW_PRIVS", 38),
        ("PR_SET_MM", 35), ("PR_SET_PTRACER", 0x59616d61), ("PR_CAP_AMBIENT", 47),
        // personality() domains and flags.
        ("PER_LINUX", 0), ("PER_LINUX32", 0x0008), ("ADDR_NO_RANDOMIZE", 0x0040000), ("READ_IMPLIES_EXEC", 0x0400000),
        // Mode bits for the chmod family.
        ("S_ISUID", 0o4000), ("S_ISGID", 0o2000), ("S_ISVTX", 0o1000),
        // Device node types for mknod.
        ("S_IFCHR", 0o020000), ("S_IFBLK", 0o060000), ("S_IFIFO", 0o010000), ("S_IFSOCK", 0o140000), ("S_IFREG", 0o100000),
        ("S_IFMT", 0o170000),
        // Socket types (low bits of socket()'s second argument).
        ("SOCK_STREAM", 1), ("SOCK_DGRAM", 2), ("SOCK_RAW", 3), ("SOCK_SEQPACKET", 5), ("SOCK_PACKET", 10),
    ] + SocketFamilies.table.map { ("AF_" + $0.0.uppercased(), UInt64($0.1)) }

    public static func value(_ name: String) -> UInt64? { table.first { $0.0 == name }?.1 }
    public static var names: [String] { table.map(\.0) }
}
