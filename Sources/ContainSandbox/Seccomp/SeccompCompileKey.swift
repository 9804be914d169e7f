// Everything a seccomp compile reads, written out as one string: two compiles whose keys are equal produce
// the same program (SeccompCompiler.compile is a pure function of these inputs and of libseccomp's
// built-in syscall table, which is linked into the binary). ShippedPrograms is looked up by this key.
//
// Injective by construction: every variable-length field is written with its length in front, so no
// profile (a rule id holding a newline, say) can make its key equal to another policy's. Rule source
// locations are left out on purpose: they only label reports, which the listener takes from the plan built
// at run time, never from the program.

import ContainProfile

enum SeccompCompileKey {
    /// Bump when the meaning of a field changes, so keys of the old layout can never match.
    static let version = 1

    static func text(_ policy: SyscallPolicy, mode: SeccompMode, brokerNetwork: Bool) -> String {
        var out = "contain-seccomp-key \(version)\n"
        func field(_ name: String, _ value: String) {
            out += name
            out += " "
            out += String(value.utf8.count)
            out += ":"
            out += value
            out += "\n"
        }
        func list(_ name: String, _ values: [String]) {
            out += name
            out += " "
            out += String(values.count)
            out += "\n"
            for v in values { field("-", v) }
        }
        field("mode", mode == .enforce ? "enforce" : "observe")
        field("broker", brokerNetwork ? "1" : "0")
        field("default", action(policy.defaultAction))
        field("report", policy.report ? "1" : "0")
        field("namespaces", policy.allowNamespaceCreation ? "1" : "0")
        field("io_uring", policy.allowIOUring ? "1" : "0")
        field("foreign_arch", policy.allowForeignArchitectures ? "1" : "0")
        list("families", policy.socketFamilies)
        list("allow", policy.allow)
        out += "rules \(policy.rules.count)\n"
        for r in policy.rules {
            field("id", r.id)
            field("syscall", r.syscall)
            field("action", action(r.action))
            out += "args \(r.args.count)\n"
            for a in r.args {
                out += "arg \(a.index) \(a.op.rawValue) \(a.value) \(a.mask)\n"
            }
        }
        return out
    }

    private static func action(_ a: SyscallAction) -> String {
        switch a {
        case .allow: return "allow"
        case .errno(let e): return "errno \(e)"
        case .kill: return "kill"
        case .log: return "log"
        }
    }
}
