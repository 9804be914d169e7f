// Kernel constants by name: what the compiler's built-in rules compare and what the listener prints.
// Values are the x86_64/generic Linux UAPI ones (linux/sched.h, linux/socket.h, asm-generic/ioctls.h,
// linux/prctl.h, asm-generic/errno.h); they are ABI and never change.

import ContainProfile

enum ErrnoNames {
    /// Number -> name, from the profile loader's table (the names a profile may write as `errno:`); the first
    /// name of a number wins (EAGAIN, not EWOULDBLOCK).
    static let table: [(Int32, String)] = ContainProfile.ErrnoNames.table.map { ($0.1, $0.0) }
    static func name(_ e: Int32) -> String? { table.first { $0.0 == e }?.1 }
}

enum CloneFlags {
    static let newTime: UInt64 = 0x0000_0080
    static let newNS: UInt64 = 0x0002_0000
    static let newCgroup: UInt64 = 0x0200_0000
    static let newUTS: UInt64 = 0x0400_0000
    static let newIPC: UInt64 = 0x0800_0000
    static let newUser: UInt64 = 0x1000_0000
    static let newPID: UInt64 = 0x2000_0000
    static let newNet: UInt64 = 0x4000_0000
    /// clone(2) carries the exit signal in the low byte, so CLONE_NEWTIME can only reach unshare/clone3.
    static let namespacesForClone: UInt64 = newNS | newCgroup | newUTS | newIPC | newUser | newPID | newNet
    static let namespacesForUnshare: UInt64 = namespacesForClone | newTime

    static let names: [(UInt64, String)] = [
        (0x0000_0100, "CLONE_VM"), (0x0000_0200, "CLONE_FS"), (0x0000_0400, "CLONE_FILES"),
        (0x0000_0800, "CLONE_SIGHAND"), (0x0000_1000, "CLONE_PIDFD"), (0x0000_2000, "CLONE_PTRACE"),
        (0x0000_4000, "CLONE_VFORK"), (0x0000_8000, "CLONE_PARENT"), (0x0001_0000, "CLONE_THREAD"),
        (newNS, "CLONE_NEWNS"), (0x0004_0000, "CLONE_SYSVSEM"), (0x0008_0000, "CLONE_SETTLS"),
        (0x0010_0000, "CLONE_PARENT_SETTID"), (0x0020_0000, "CLONE_CHILD_CLEARTID"), (0x0040_0000, "CLONE_DETACHED"),
        (0x0080_0000, "CLONE_UNTRACED"), (0x0100_0000, "CLONE_CHILD_SETTID"), (newCgroup, "CLONE_NEWCGROUP"),
        (newUTS, "CLONE_NEWUTS"), (newIPC, "CLONE_NEWIPC"), (newUser, "CLONE_NEWUSER"), (newPID, "CLONE_NEWPID"),
        (newNet, "CLONE_NEWNET"), (0x8000_0000, "CLONE_IO"),
    ]

    /// "CLONE_NEWUSER|CLONE_NEWNS"; `signalByte`: clone(2)'s low byte is the exit signal, unshare's is NEWTIME.
    static func render(_ v: UInt64, signalByte: Bool) -> String {
        var parts: [String] = []
        var rest = v
        if signalByte {
            let sig = v & 0xff
            rest &= ~0xff
            if sig != 0 { parts.append(SignalNames.name(Int32(sig)) ?? "signal \(sig)") }
        } else if v & newTime != 0 {
            parts.append("CLONE_NEWTIME"); rest &= ~newTime
        }
        for (bit, name) in names where rest & bit != 0 { parts.append(name); rest &= ~bit }
        if rest != 0 { parts.append("0x" + String(rest, radix: 16)) }
        return parts.isEmpty ? "0" : parts.joined(separator: "|")
    }
}

enum SignalNames {
    static let table: [String] = ["", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
                                  "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
                                  "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
                                  "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"]
    static func name(_ s: Int32) -> String? { s > 0 && Int(s) < table.count ? table[Int(s)] : nil }
}

enum SocketFamilies {
    /// Profile names (lower-case, no AF_ prefix) -> AF_* numbers: the profile loader's table, so the names a
    /// profile may use and the names the filter and reports know can never drift apart.
    static let table: [(String, UInt32)] = ContainProfile.SocketFamilies.table.map { ($0.0, UInt32($0.1)) }
    static func number(_ name: String) -> UInt32? {
        let n = name.lowercased()
        let key = n.hasPrefix("af_") ? String(n.dropFirst(3)) : (n == "local" ? "unix" : n)
        return table.first { $0.0 == key }?.1
    }
    static func name(_ v: UInt64) -> String {
        let low = UInt32(truncatingIfNeeded: v)
        if let n = table.first(where: { $0.1 == low })?.0 { return "AF_" + n.uppercased() }
        return "AF_\(low)"
    }

    static let sockRaw: UInt64 = 3
    static let sockPacket: UInt64 = 10
    static let typeMask: UInt64 = 0xf
    static let typeNames: [UInt64: String] = [1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM",
                                              5: "SOCK_SEQPACKET", 6: "SOCK_DCCP", 10: "SOCK_PACKET"]
    static func typeName(_ v: UInt64) -> String {
        var parts = [typeNames[v & typeMask] ?? "type \(v & typeMask)"]
        if v & 0o4000 != 0 { parts.append("SOCK_NONBLOCK") }
        if v & 0o2000000 != 0 { parts.append("SOCK_CLOEXEC") }
        return parts.joined(separator: "|")
    }
}

enum IoctlNames {
    static let tiocsti: UInt32 = 0x5412
    static let tioclinux: UInt32 = 0x541C
    static let table: [UInt32: String] = [
        0x5401: "TCGETS", 0x5402: "TCSETS", 0x5403: "TCSETSW", 0x5404: "TCSETSF", 0x540E: "TIOCSCTTY",
        0x540F: "TIOCGPGRP", 0x5410: "TIOCSPGRP", 0x5412: "TIOCSTI", 0x5413: "TIOCGWINSZ", 0x5414: "TIOCSWINSZ",
        0x541B: "FIONREAD", 0x541C: "TIOCLINUX", 0x5421: "FIONBIO", 0x5422: "TIOCNOTTY", 0x5451: "FIOCLEX",
        0x5450: "FIONCLEX", 0x5452: "FIOASYNC", 0x5429: "TIOCGSID", 0x80045430: "TIOCGPTN", 0x40045431: "TIOCSPTLCK",
        0x5441: "TIOCGPTPEER", 0x541D: "TIOCCONS", 0x5437: "TIOCVHANGUP",
    ]
    static func name(_ v: UInt64) -> String {
        let low = UInt32(truncatingIfNeeded: v)
        let hex = "0x" + String(v, radix: 16)
        guard let n = table[low] else { return hex }
        return v >> 32 == 0 ? n : "\(n) (\(hex))"
    }
}

enum PrctlOptions {
    static let setMM: UInt32 = 35
    static let setPtracer: UInt32 = 0x5961_6d61
    static let capAmbient: UInt32 = 47
    static let setSecurebits: UInt32 = 28
    static let setSpeculationCtrl: UInt32 = 53
    static let setIOFlusher: UInt32 = 57
    /// Refused even when prctl is allowed: they widen what the process may do to itself or let others in.
    static let refused: [UInt32] = [setMM, setPtracer, capAmbient, setSecurebits, setSpeculationCtrl, setIOFlusher]

    static let table: [UInt32: String] = [
        1: "PR_SET_PDEATHSIG", 2: "PR_GET_PDEATHSIG", 3: "PR_GET_DUMPABLE", 4: "PR_SET_DUMPABLE", 8: "PR_SET_KEEPCAPS",
        15: "PR_SET_NAME", 16: "PR_GET_NAME", 22: "PR_SET_SECCOMP", 23: "PR_CAPBSET_READ", 24: "PR_CAPBSET_DROP",
        27: "PR_GET_SECUREBITS", 28: "PR_SET_SECUREBITS", 35: "PR_SET_MM", 36: "PR_SET_CHILD_SUBREAPER",
        38: "PR_SET_NO_NEW_PRIVS", 47: "PR_CAP_AMBIENT", 53: "PR_SET_SPECULATION_CTRL", 57: "PR_SET_IO_FLUSHER",
        59: "PR_SET_SYSCALL_USER_DISPATCH", 0x5961_6d61: "PR_SET_PTRACER", 0x5356_4d41: "PR_SET_VMA",
    ]
    static func name(_ v: UInt64) -> String {
        table[UInt32(truncatingIfNeeded: v)] ?? "0x" + String(v, radix: 16)
    }
}

enum FileModes {
    static let setIDBits: UInt64 = 0o6000
    static let typeMask: UInt64 = 0o170000
    /// mknod types that create no device: unspecified (regular), regular, FIFO, socket.
    static let harmlessNodeTypes: [UInt64] = [0, 0o100000, 0o010000, 0o140000]
    static func render(_ v: UInt64) -> String {
        var s = "0" + String(v & 0o7777, radix: 8)
        switch v & typeMask {
        case 0o020000: s = "S_IFCHR|" + s
        case 0o060000: s = "S_IFBLK|" + s
        case 0o010000: s = "S_IFIFO|" + s
        case 0o140000: s = "S_IFSOCK|" + s
        case 0o100000: s = "S_IFREG|" + s
        default: break
        }
        return s
    }
}
