// Syscall names as libseccomp knows them for the native architecture: the loader accepts exactly the names
// the sandbox can compile into a filter, so a typo is an error at `contain check` time and never a silently
// missing rule.

import CSeccomp
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum SyscallNames {
    /// Every syscall name of the native architecture (from libseccomp's table), sorted. Built on first use
    /// (for suggestions and listings); validating a name does not need it.
    public static let native: [String] = {
        var names: [String] = []
        // x86_64 numbers end below 500 today; the slack keeps working on newer kernels/libseccomp.
        for n in Int32(0)..<1024 {
            guard let p = seccomp_syscall_resolve_num_arch(UInt32(SCMP_ARCH_NATIVE), n) else { continue }
            names.append(String(cString: p))
            free(p)
        }
        return names.sorted()
    }()

    public static let nativeSet: Set<String> = Set(native)

    /// A syscall of the native architecture, by libseccomp's name table.
    public static func isNative(_ name: String) -> Bool { number(name) != nil }

    /// The native syscall number, nil when libseccomp does not know the name or it is not a syscall of this
    /// architecture (libseccomp's negative pseudo numbers, e.g. `socketcall` on x86_64).
    public static func number(_ name: String) -> Int32? {
        guard isPlausibleName(name) else { return nil }
        let n = resolve(name)
        return n >= 0 ? n : nil
    }

    /// libseccomp knows the name, but for another architecture only.
    public static func isForeignOnly(_ name: String) -> Bool {
        guard isPlausibleName(name) else { return false }
        let n = resolve(name)
        return n < 0 && n != -1 // __NR_SCMP_ERROR
    }

    /// libseccomp's number for a name. `withCString` hands a short (inline) string over from a stack copy;
    /// passing the String itself converts it through a heap-allocated C string, once per group member.
    private static func resolve(_ name: String) -> Int32 {
        name.withCString { seccomp_syscall_resolve_name($0) }
    }

    /// Lower-case letters, digits and `_`: anything else (a NUL would cut the C string short) is no syscall.
    static func isPlausibleName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5f }
    }

    public static var libseccompVersion: String {
        guard let v = seccomp_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)"
    }
}
