// The plan laid out as C structs, for contain_send_plan to flatten and send to the waiting child. Freed
// when the launch is over (the child has its own copy). The seccomp program is not in here: it arrives
// later on the filter pipe (CONTAIN_OP_RECEIVE_SECCOMP).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CContainChild

final class CPlanStorage {
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private let steps: UnsafeMutablePointer<contain_step>
    private let stepCount: Int
    private let argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let envp: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private(set) var plan = contain_plan()

    struct Fds {
        var sync: Int32, report: Int32, ack: Int32, status: Int32, filter: Int32
    }

    init(_ p: SandboxPlan, fds: Fds) {
        stepCount = p.steps.count
        steps = .allocate(capacity: max(1, stepCount))
        argv = .allocate(capacity: p.argv.count + 1)
        envp = .allocate(capacity: p.environment.count + 1)
        for (i, s) in p.steps.enumerated() {
            var c = contain_step()
            c.op = Int32(Self.cOp(s.op).rawValue)
            c.flags = s.optional ? UInt32(CONTAIN_STEP_OPTIONAL) : 0
            c.path = cString(s.path)
            c.src = cString(s.src)
            c.fstype = cString(s.fstype)
            c.data = cString(s.data)
            c.mflags = s.mountFlags
            c.arg = s.arg
            c.arg2 = s.arg2
            (steps + i).initialize(to: c)
        }
        for (i, a) in p.argv.enumerated() { argv[i] = strdup(a).map { strings.append($0); return $0 } }
        argv[p.argv.count] = nil
        for (i, e) in p.environment.enumerated() { envp[i] = strdup(e).map { strings.append($0); return $0 } }
        envp[p.environment.count] = nil

        plan.steps = UnsafePointer(steps)
        plan.nsteps = stepCount
        plan.exec_path = cString(p.execPath)
        plan.argv = UnsafePointer(argv)
        plan.envp = UnsafePointer(envp)
        plan.sync_fd = fds.sync
        plan.report_fd = fds.report
        plan.ack_fd = fds.ack
        plan.status_fd = fds.status
        plan.filter_fd = fds.filter
    }

    private func cString(_ s: String?) -> UnsafePointer<CChar>? {
        guard let s, let p = strdup(s) else { return nil }
        strings.append(p)
        return UnsafePointer(p)
    }

    deinit {
        for s in strings { free(s) }
        steps.deinitialize(count: stepCount)
        steps.deallocate()
        argv.deallocate()
        envp.deallocate()
    }

    /// Explicit mapping, so a reordering on either side cannot silently change what a step does.
    static func cOp(_ op: PlanStep.Op) -> contain_op {
        switch op {
        case .pdeathsig: return CONTAIN_OP_PDEATHSIG
        case .waitParent: return CONTAIN_OP_WAIT_PARENT
        case .setresgid: return CONTAIN_OP_SETRESGID
        case .setresuid: return CONTAIN_OP_SETRESUID
        case .setgroupsEmpty: return CONTAIN_OP_SETGROUPS_EMPTY
        case .mount: return CONTAIN_OP_MOUNT
        case .mountSetattr: return CONTAIN_OP_MOUNT_SETATTR
        case .mkdirP: return CONTAIN_OP_MKDIR_P
        case .mkfileP: return CONTAIN_OP_MKFILE_P
        case .symlink: return CONTAIN_OP_SYMLINK
        case .chmod: return CONTAIN_OP_CHMOD
        case .chdir: return CONTAIN_OP_CHDIR
        case .pivotRoot: return CONTAIN_OP_PIVOT_ROOT
        case .umount: return CONTAIN_OP_UMOUNT
        case .netnsStart: return CONTAIN_OP_NETNS_START
        case .netnsJoin: return CONTAIN_OP_NETNS_JOIN
        case .adoptTree: return CONTAIN_OP_ADOPT_TREE
        case .sethostname: return CONTAIN_OP_SETHOSTNAME
        case .forkInit: return CONTAIN_OP_FORK_INIT
        case .setsid: return CONTAIN_OP_SETSID
        case .setrlimit: return CONTAIN_OP_SETRLIMIT
        case .dup2: return CONTAIN_OP_DUP2
        case .cloexecFrom3: return CONTAIN_OP_CLOEXEC_FROM_3
        case .noNewPrivs: return CONTAIN_OP_NO_NEW_PRIVS
        case .landlockCreate: return CONTAIN_OP_LANDLOCK_CREATE
        case .landlockPath: return CONTAIN_OP_LANDLOCK_PATH
        case .landlockPort: return CONTAIN_OP_LANDLOCK_PORT
        case .landlockEnforce: return CONTAIN_OP_LANDLOCK_ENFORCE
        case .securebits: return CONTAIN_OP_SECUREBITS
        case .dropCaps: return CONTAIN_OP_DROP_CAPS
        case .seccomp: return CONTAIN_OP_SECCOMP
        case .exec: return CONTAIN_OP_EXEC
        case .checkParent: return CONTAIN_OP_CHECK_PARENT
        case .writeFile: return CONTAIN_OP_WRITE_FILE
        case .openTree: return CONTAIN_OP_OPEN_TREE
        case .moveMount: return CONTAIN_OP_MOVE_MOUNT
        case .receiveSeccomp: return CONTAIN_OP_RECEIVE_SECCOMP
        case .unshare: return CONTAIN_OP_UNSHARE
        }
    }
}
