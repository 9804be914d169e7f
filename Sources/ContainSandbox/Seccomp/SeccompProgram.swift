// The compiler's output and its error values. The program is exported BPF (struct sock_filter[]) that the
// launcher's C child installs with the raw seccomp() syscall; nothing here touches the calling process.

/// enforce: denied calls fail (errno or kill). observe: everything the policy would refuse goes to the
/// listener, which lets it continue and records `would_block` (learn mode, `--observe`).
public enum SeccompMode: Sendable, Equatable { case enforce, observe }

public struct SeccompProgram: Sendable {
    /// struct sock_filter[] in host byte order, 8 bytes per instruction.
    public var bytes: [UInt8]
    /// The filter returns SECCOMP_RET_USER_NOTIF for some calls: install it with
    /// SECCOMP_FILTER_FLAG_NEW_LISTENER and run a `NotifyListener` on the fd, or those calls fail with ENOSYS.
    public var usesNotify: Bool
    public var instructionCount: Int
    /// The plan the program was compiled from, for the notify listener (which must decide exactly as the
    /// filter does and need not plan a second time). nil when the program came from elsewhere.
    var plan: SeccompPlan?
    public init(bytes: [UInt8], usesNotify: Bool, instructionCount: Int) {
        self.bytes = bytes; self.usesNotify = usesNotify; self.instructionCount = instructionCount
    }
    init(bytes: [UInt8], usesNotify: Bool, plan: SeccompPlan) {
        self.init(bytes: bytes, usesNotify: usesNotify, instructionCount: bytes.count / 8)
        self.plan = plan
    }
}

public enum SeccompError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A syscall name libseccomp does not know (on any architecture).
    case unknownSyscall(String)
    /// A socket family name outside the table in docs/seccomp.md.
    case unknownSocketFamily(String)
    /// Two comparisons on one argument that one libseccomp comparison cannot express.
    case unsupportedCondition(String)
    /// An argument index outside 0...5.
    case badArgumentIndex(rule: String, index: Int)
    /// Negating the rules of one syscall produced more terms than a sane filter holds.
    case tooComplex(syscall: String, terms: Int)
    /// A libseccomp call failed: which one, and the negative errno it returned.
    case libseccomp(call: String, detail: String, code: Int32)
    /// Exporting the BPF failed (memfd, read back).
    case export(String)
    /// network.allow could not be prepared (a name that does not resolve).
    case network(String)
    /// The listener fd could not be taken from the sandboxed process.
    case listener(String)

    public var description: String {
        switch self {
        case .unknownSyscall(let n):
            return "seccomp compile: unknown syscall \"\(n)\"; fix: check the name (see `scmp_sys_resolver`) or remove it from syscalls"
        case .unknownSocketFamily(let n):
            return "seccomp compile: unknown socket family \"\(n)\"; fix: use a name from docs/seccomp.md (unix, inet, inet6, netlink, packet, vsock, ...)"
        case .unsupportedCondition(let d):
            return "seccomp compile: \(d); fix: split the argument rule or compare a different way"
        case .badArgumentIndex(let r, let i):
            return "seccomp compile: rule \(r) compares argument \(i); fix: use an index from 0 to 5"
        case .tooComplex(let s, let n):
            return "seccomp compile: the argument rules for \(s) expand to \(n) filter rules; fix: use fewer or simpler argument rules for \(s)"
        case .libseccomp(let call, let d, let code):
            return "seccomp compile: \(call) failed for \(d): \(SeccompError.errnoName(-code)); fix: report this profile as a bug"
        case .export(let d):
            return "seccomp compile: exporting the BPF program failed: \(d)"
        case .network(let d):
            return "network broker: \(d)"
        case .listener(let d):
            return "seccomp listener: \(d)"
        }
    }

    static func errnoName(_ e: Int32) -> String {
        ErrnoNames.name(e) ?? "errno \(e)"
    }
}
