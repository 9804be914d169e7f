// The launch plan: everything the child will do, decided in the parent. The child (C) only walks it.
// Each step keeps a human name ("bind /usr") and a fix hint so a failure reported as {step, errno}
// becomes `contain: setup step "bind /usr" failed: ENOENT (...)` plus what to do about it.

import CContainChild

public struct PlanStep: Sendable {
    public enum Op: Int32, Sendable {
        case pdeathsig = 1, waitParent, setresgid, setresuid, setgroupsEmpty, mount, mountSetattr, mkdirP,
             mkfileP, symlink, chmod, chdir, pivotRoot, umount, netnsStart, netnsJoin, sethostname, forkInit,
             setsid, setrlimit, dup2, cloexecFrom3, noNewPrivs, landlockCreate, landlockPath, landlockPort,
             landlockEnforce, securebits, dropCaps, seccomp, exec, checkParent, writeFile, openTree, adoptTree,
             moveMount,
             receiveSeccomp, unshare
    }

    public var op: Op
    /// What the step does, for messages: `setup step "<name>" failed`.
    public var name: String
    public var path: String?
    public var src: String?
    public var fstype: String?
    public var data: String?
    public var mountFlags: UInt = 0
    public var arg: UInt64 = 0
    public var arg2: UInt64 = 0
    /// ENOENT/ENOTDIR skip the step instead of failing it.
    public var optional = false
    /// What the user can do when this step fails (appended to the message).
    public var fix: String?

    public init(_ op: Op, _ name: String, path: String? = nil, src: String? = nil, fstype: String? = nil,
                data: String? = nil, mountFlags: UInt = 0, arg: UInt64 = 0, arg2: UInt64 = 0,
                optional: Bool = false, fix: String? = nil) {
        self.op = op; self.name = name; self.path = path; self.src = src; self.fstype = fstype
        self.data = data; self.mountFlags = mountFlags; self.arg = arg; self.arg2 = arg2
        self.optional = optional; self.fix = fix
    }
}

/// How uid/gid 0 inside the sandbox maps to the host.
public struct IDMapping: Sendable, Equatable {
    public var hostUID: UInt32
    public var hostGID: UInt32
    /// Unprivileged callers must write "deny" to /proc/PID/setgroups before gid_map.
    public var denySetgroups: Bool
    public var uidMap: String { "0 \(hostUID) 1\n" }
    public var gidMap: String { "0 \(hostGID) 1\n" }
}

public struct SandboxPlan: Sendable {
    public var steps: [PlanStep]
    public var execPath: String
    public var argv: [String]
    public var environment: [String]
    public var workingDirectory: String
    public var idMapping: IDMapping
    /// Paths the runtime discovery added (already noted in the audit log).
    public var runtimeAdditions: [String]
    /// The Landlock ABI the rules were built for (0: Landlock not used).
    public var landlockABI: Int

    /// Index of the seccomp step (nil when the plan installs no filter).
    public var seccompStep: Int? { steps.firstIndex { $0.op == .seccomp } }
    /// Index of the execve step.
    public var execStep: Int? { steps.firstIndex { $0.op == .exec } }
}

// Linux mount(2) and mount_setattr(2) constants, spelled out once: glibc's headers import into Swift
// inconsistently across versions.
enum MountFlag {
    static let rdonly: UInt = 1
    static let nosuid: UInt = 2
    static let nodev: UInt = 4
    static let noexec: UInt = 8
    static let remount: UInt = 32
    static let bind: UInt = 4096
    static let rec: UInt = 16384
    static let `private`: UInt = 1 << 18
}

enum MountAttr {
    static let rdonly: UInt64 = 0x1
    static let nosuid: UInt64 = 0x2
    static let nodev: UInt64 = 0x4
    static let noexec: UInt64 = 0x8
}

enum CloneFlag {
    static let newns: UInt64 = 0x0002_0000
    static let newcgroup: UInt64 = 0x0200_0000
    static let newuts: UInt64 = 0x0400_0000
    static let newipc: UInt64 = 0x0800_0000
    static let newuser: UInt64 = 0x1000_0000
    static let newpid: UInt64 = 0x2000_0000
    static let newnet: UInt64 = 0x4000_0000

    /// "ipc, uts and cgroup", for step names.
    static func names(_ flags: UInt64) -> String {
        var n: [String] = []
        if flags & newipc != 0 { n.append("ipc") }
        if flags & newuts != 0 { n.append("uts") }
        if flags & newcgroup != 0 { n.append("cgroup") }
        guard let last = n.popLast() else { return "" }
        return n.isEmpty ? last : n.joined(separator: ", ") + " and " + last
    }
}
