// What this kernel offers the sandbox, and which of contain's guarantees hold here (`contain doctor`).
// Probes that create namespaces or install filters run in a forked child (csrc/CContainChild/probe.c), so
// the supervisor itself is never changed by probing.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CContainChild
import CSeccomp

public enum ProbeStatus: String, Sendable {
    case ok
    case missing
    /// Present but restricted, or not applicable to how contain is running.
    case limited
}

public struct ProbeResult: Sendable {
    public var id: String
    public var name: String
    public var status: ProbeStatus
    /// What was found, in words (errno names, versions).
    public var detail: String
    /// What this means for `contain run`.
    public var meaning: String
}

public struct Guarantee: Sendable {
    public var name: String
    public var holds: Bool
    /// Why not, and what to do, when it does not hold.
    public var reason: String
    /// Needed for `contain run` with the shipped profiles (unless best_effort).
    public var essential: Bool
}

public struct KernelReport: Sendable {
    public var kernel: String
    public var runningAsRoot: Bool
    public var probes: [ProbeResult]
    public var guarantees: [Guarantee]
    public var landlockABI: Int
    public var essentialGuaranteesHold: Bool { guarantees.allSatisfy { $0.holds || !$0.essential } }
}

public enum KernelProbe {
    static let CLONE_NEWNS: UInt = 0x0002_0000
    static let CLONE_NEWCGROUP: UInt = 0x0200_0000
    static let CLONE_NEWUTS: UInt = 0x0400_0000
    static let CLONE_NEWIPC: UInt = 0x0800_0000
    static let CLONE_NEWUSER: UInt = 0x1000_0000
    static let CLONE_NEWPID: UInt = 0x2000_0000
    static let CLONE_NEWNET: UInt = 0x4000_0000
    /// The uid an unprivileged caller is tested as when doctor runs as root (nobody).
    static let unprivilegedID = 65534

    public static func run() -> KernelReport {
        let root = geteuid() == 0
        var probes: [ProbeResult] = []

        // User namespaces: as the caller, and (when root) as an unprivileged uid, which is what
        // `root_maps_to` relies on and what an ordinary user of this machine gets.
        let userns = inChild(CONTAIN_PROBE_UNSHARE, CLONE_NEWUSER)
        probes.append(result("userns", "user namespaces (as \(root ? "root" : "uid \(getuid())"))", userns,
                             ok: "unshare(CLONE_NEWUSER) works",
                             meaning: "needed for every other namespace without privileges; contain refuses to run without it"))
        if root {
            let unpriv = inChild(CONTAIN_PROBE_UNSHARE, CLONE_NEWUSER, uid: unprivilegedID, gid: unprivilegedID)
            probes.append(result("userns_unprivileged", "user namespaces (unprivileged, uid \(unprivilegedID))", unpriv,
                                 ok: "an unprivileged uid can create a user namespace",
                                 meaning: "ordinary users of this machine can run contain" + sysctlHint()))
        } else {
            probes.append(ProbeResult(id: "userns_unprivileged", name: "user namespaces (unprivileged)",
                                      status: userns == 0 ? .ok : .missing, detail: "doctor runs unprivileged: same as above",
                                      meaning: "ordinary users of this machine can run contain" + (userns == 0 ? "" : sysctlHint())))
        }
        let usable = inChild(CONTAIN_PROBE_USERNS_MOUNT, 0)
        probes.append(result("userns_mount", "mounts inside a user namespace", usable,
                             ok: "a tmpfs can be mounted in a new user+mount namespace",
                             meaning: "the filesystem view (bind mounts of the allowlist) can be built"
                                + (usable == EACCES || usable == EPERM ? "; a security module (e.g. AppArmor restrict_unprivileged_userns) may deny capabilities in new user namespaces" : "")))
        for (id, label, flag, meaning) in [
            ("mountns", "mount namespace", CLONE_NEWNS, "a private filesystem view"),
            ("pidns", "pid namespace", CLONE_NEWPID, "the server sees only its own processes; all die with it"),
            ("netns", "network namespace", CLONE_NEWNET, "network: none (loopback only) and the brokered allowlist"),
            ("ipcns", "ipc namespace", CLONE_NEWIPC, "SysV IPC and POSIX queues of the host stay out of reach"),
            ("utsns", "uts namespace", CLONE_NEWUTS, "own host name"),
            ("cgroupns", "cgroup namespace", CLONE_NEWCGROUP, "the host's cgroup tree stays hidden"),
        ] {
            let r = inChild(CONTAIN_PROBE_UNSHARE, CLONE_NEWUSER | flag)
            probes.append(result(id, label, r, ok: "unshare(CLONE_NEWUSER|\(flagName(flag))) works", meaning: meaning))
        }

        // Seccomp.
        let modeAvailable = readSmallFile("/proc/sys/kernel/seccomp/actions_avail")
        let filter = inChild(CONTAIN_PROBE_SECCOMP_FILTER, 0)
        probes.append(result("seccomp_filter", "seccomp filter mode", filter,
                             ok: "SECCOMP_SET_MODE_FILTER installs a filter",
                             meaning: "the syscall allowlist is enforced; contain refuses to run without it"))
        let actions = modeAvailable.map { $0.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init) } ?? []
        let listener = inChild(CONTAIN_PROBE_SECCOMP_LISTENER, 0)
        let notifDetail = (actions.isEmpty ? "" : "actions_avail: \(actions.joined(separator: " ")); ")
            + (listener == 0 ? "a USER_NOTIF listener was created" : "creating a USER_NOTIF listener failed: \(errnoName(listener))")
        probes.append(ProbeResult(id: "seccomp_user_notif", name: "SECCOMP_RET_USER_NOTIF",
                                  status: listener == 0 && (actions.isEmpty || actions.contains("user_notif")) ? .ok : .missing,
                                  detail: notifDetail,
                                  meaning: "denied syscalls are reported with their arguments (otherwise: errno only, silently)"))
        let addfd = inChild(CONTAIN_PROBE_SECCOMP_ADDFD, 0)
        probes.append(result("seccomp_addfd", "SECCOMP_IOCTL_NOTIF_ADDFD", addfd,
                             ok: "probed: the ioctl is known (kernel >= 5.9)",
                             meaning: "the network allowlist can hand brokered connections to the server"))
        let api = seccomp_api_get()
        let version = seccompVersion()
        probes.append(ProbeResult(id: "libseccomp", name: "libseccomp", status: api >= 6 ? .ok : (api >= 5 ? .limited : .missing),
                                  detail: "version \(version), API level \(api)",
                                  meaning: api >= 6 ? "compiles the filter, USER_NOTIF and ADDFD supported"
                                      : api >= 5 ? "compiles the filter with USER_NOTIF; API level 6 adds ADDFD-era features"
                                      : "API level below 5: USER_NOTIF cannot be used; denials are silent"))

        // Landlock.
        errno = 0
        let rawABI = contain_sys_landlock_abi()
        let landlockErr = errno
        let abi = rawABI > 0 ? Int(rawABI) : 0
        probes.append(ProbeResult(id: "landlock", name: "Landlock", status: abi >= 1 ? .ok : .missing,
                                  detail: abi >= 1 ? "ABI \(abi)" : (landlockErr == EOPNOTSUPP ? "built in but disabled at boot (add landlock to lsm=)" : "not available: \(errnoName(Int32(landlockErr)))"),
                                  meaning: abi >= 1 ? landlockMeaning(abi) : "the filesystem allowlist is enforced by the mount view only (one layer, not two)"))

        // cgroup v2 and pidfd_getfd (informational for the run).
        let cgroup2Mounts = (readSmallFile("/proc/self/mounts", limit: 1 << 16) ?? "").split(separator: "\n").compactMap { line -> String? in
            let f = line.split(separator: " ")
            return f.count > 2 && f[2] == "cgroup2" ? String(f[1]) : nil
        }
        let unified = cgroup2Mounts.contains("/sys/fs/cgroup")
        probes.append(ProbeResult(id: "cgroup2", name: "cgroup v2",
                                  status: unified ? .ok : (cgroup2Mounts.isEmpty ? .missing : .limited),
                                  detail: unified ? "unified hierarchy at /sys/fs/cgroup"
                                      : cgroup2Mounts.isEmpty ? "no cgroup2 file system mounted"
                                      : "hybrid: v1 controllers, cgroup2 at \(cgroup2Mounts.joined(separator: ", "))",
                                  meaning: "with the cgroup namespace, the server sees only its own cgroup; contain limits resources with rlimits, not cgroups"))
        var pidfdErr: Int32 = 0
        let pidfd = contain_sys_pidfd_open(getpid())
        if pidfd < 0 { pidfdErr = errno } else {
            let dup = contain_sys_pidfd_getfd(pidfd, pidfd)
            if dup < 0 { pidfdErr = errno } else { close(dup) }
            close(pidfd)
        }
        probes.append(ProbeResult(id: "pidfd_getfd", name: "pidfd_getfd", status: pidfdErr == 0 ? .ok : .missing,
                                  detail: pidfdErr == 0 ? "pidfd_open + pidfd_getfd work (kernel >= 5.6)" : "failed: \(errnoName(pidfdErr))",
                                  meaning: "the supervisor can take a descriptor from the sandboxed process when it brokers a call"))

        return KernelReport(kernel: kernelRelease(), runningAsRoot: root, probes: probes,
                            guarantees: guarantees(probes, abi: abi, root: root), landlockABI: abi)
    }

    static func guarantees(_ probes: [ProbeResult], abi: Int, root: Bool) -> [Guarantee] {
        func ok(_ id: String) -> Bool { probes.first { $0.id == id }?.status == .ok }
        func missing(_ ids: [String]) -> String {
            let names = probes.filter { ids.contains($0.id) && $0.status != .ok }.map(\.name)
            return names.isEmpty ? "" : "missing: " + names.joined(separator: ", ")
        }
        let nsIDs = ["userns", "mountns", "pidns", "ipcns", "utsns", "cgroupns"]
        var g: [Guarantee] = [
            Guarantee(name: "own user, mount, pid, ipc, uts and cgroup namespaces", holds: nsIDs.allSatisfy(ok),
                      reason: missing(nsIDs), essential: true),
            Guarantee(name: "filesystem view built from the profile's allowlist (read-only binds, masked denies)",
                      holds: ok("userns") && ok("userns_mount"), reason: missing(["userns", "userns_mount"]), essential: true),
            Guarantee(name: "filesystem allowlist enforced a second time by Landlock", holds: abi >= 1,
                      reason: abi >= 1 ? "" : "Landlock unavailable: one layer (mounts) only", essential: false),
            Guarantee(name: "TCP bind/connect refused by Landlock (ABI >= 4)", holds: abi >= 4,
                      reason: abi >= 4 ? "" : "Landlock ABI \(abi) < 4: the network namespace alone keeps the network out", essential: false),
            Guarantee(name: "abstract unix sockets and signals scoped to the sandbox (Landlock ABI >= 6)", holds: abi >= 6,
                      reason: abi >= 6 ? "" : "Landlock ABI \(abi) < 6: the ipc/pid namespaces alone separate them", essential: false),
            Guarantee(name: "network: none gives loopback only", holds: ok("netns"), reason: missing(["netns"]), essential: true),
            Guarantee(name: "seccomp syscall allowlist", holds: ok("seccomp_filter"), reason: missing(["seccomp_filter"]), essential: true),
            Guarantee(name: "denied syscalls reported with arguments (USER_NOTIF)", holds: ok("seccomp_user_notif") && ok("libseccomp"),
                      reason: missing(["seccomp_user_notif", "libseccomp"]), essential: false),
            Guarantee(name: "network allowlist by brokered connect (USER_NOTIF + ADDFD)",
                      holds: ok("seccomp_user_notif") && ok("seccomp_addfd") && ok("netns"),
                      reason: missing(["seccomp_user_notif", "seccomp_addfd", "netns"]), essential: false),
        ]
        if root {
            // As root, contain creates the user namespace itself and writes a map to an unprivileged uid.
            g.append(Guarantee(name: "started as root, the server still never holds host root (uid 0 inside maps to an unprivileged uid)",
                               holds: ok("userns"), reason: missing(["userns"]), essential: true))
            g.append(Guarantee(name: "users without privileges can run contain on this machine",
                               holds: ok("userns_unprivileged"), reason: missing(["userns_unprivileged"]), essential: false))
        }
        return g
    }

    // MARK: helpers

    /// The probe's verdict: 0 ok, errno > 0 failed, 256+N signal N, -1 could not fork/wait.
    static func inChild(_ kind: contain_probe_kind, _ arg: UInt, uid: Int = -1, gid: Int = -1) -> Int32 {
        let r = contain_probe_in_child(Int32(kind.rawValue), arg, uid, gid)
        return r < 0 ? -1 : r
    }

    static func result(_ id: String, _ name: String, _ code: Int32, ok: String, meaning: String) -> ProbeResult {
        let status: ProbeStatus = code == 0 ? .ok : .missing
        let detail: String
        switch code {
        case 0: detail = ok
        case -1: detail = "probe could not run (fork/wait failed)"
        case 256...: detail = "the probe was killed by signal \(code - 256)"
        default: detail = "failed: \(errnoName(code))"
        }
        return ProbeResult(id: id, name: name, status: status, detail: detail, meaning: meaning)
    }

    static func flagName(_ f: UInt) -> String {
        switch f {
        case CLONE_NEWNS: return "CLONE_NEWNS"
        case CLONE_NEWPID: return "CLONE_NEWPID"
        case CLONE_NEWNET: return "CLONE_NEWNET"
        case CLONE_NEWIPC: return "CLONE_NEWIPC"
        case CLONE_NEWUTS: return "CLONE_NEWUTS"
        case CLONE_NEWCGROUP: return "CLONE_NEWCGROUP"
        default: return "0x" + String(f, radix: 16)
        }
    }

    static func errnoName(_ e: Int32) -> String {
        let names: [Int32: String] = [EPERM: "EPERM", EACCES: "EACCES", EINVAL: "EINVAL", ENOSYS: "ENOSYS",
                                      ENOSPC: "ENOSPC", EUSERS: "EUSERS", ENOTTY: "ENOTTY", EOPNOTSUPP: "EOPNOTSUPP",
                                      EFAULT: "EFAULT", ENOMEM: "ENOMEM", EBUSY: "EBUSY", ENOENT: "ENOENT"]
        return (names[e] ?? "errno \(e)") + " (" + String(cString: strerror(e)) + ")"
    }

    static func landlockMeaning(_ abi: Int) -> String {
        var s = "filesystem rights enforced a second time"
        if abi >= 4 { s += "; TCP bind/connect restricted" }
        if abi >= 6 { s += "; abstract unix sockets and signals scoped" }
        return s
    }

    static func sysctlHint() -> String {
        if let v = readSmallFile("/proc/sys/kernel/unprivileged_userns_clone"), v.hasPrefix("0") {
            return " (kernel.unprivileged_userns_clone=0: set it to 1)"
        }
        if let v = readSmallFile("/proc/sys/user/max_user_namespaces"), v.hasPrefix("0") {
            return " (user.max_user_namespaces=0: raise it)"
        }
        if let v = readSmallFile("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"), v.hasPrefix("1") {
            return " (kernel.apparmor_restrict_unprivileged_userns=1: allow contain in an AppArmor profile, or set it to 0)"
        }
        return ""
    }

    static func seccompVersion() -> String {
        guard let v = seccomp_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)"
    }

    static func kernelRelease() -> String {
        var u = utsname()
        guard uname(&u) == 0 else { return "unknown" }
        return withUnsafeBytes(of: u.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// A short /proc or /sys file, nil when absent. EINTR: retried.
    static func readSmallFile(_ path: String, limit: Int = 4096) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < limit {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out.prefix(limit), as: UTF8.self)
    }
}
