// docs/syscall-groups.md is generated from the table (a test compares them), so the documentation can
// never drift from what the loader expands.

public enum SyscallGroupsDocument {
    public static func markdown() -> String {
        var out = """
            # Syscall groups

            <!-- Generated from Sources/ContainProfile/SyscallGroups.swift by the ContainProfileTests test
                 `syscallGroupsDocIsCurrent`; regenerate with CONTAIN_REGENERATE_DOCS=1 swift test --filter syscallGroupsDocIsCurrent. -->

            A profile may name a group wherever it names a syscall (`allow`, `deny`, `kill`):
            `allow: ["@system-service"]`. Names and contents follow systemd's `SystemCallFilter=` sets
            (systemd.exec(5)); a group may include other groups. Members that libseccomp does not know for
            the machine's architecture are dropped when the group is expanded (the table is written for every
            architecture; the counts below are for this build's architecture, \(nativeArchitectureName)).

            `contain check --groups` prints the same table.

            Differences from systemd: `@aio` leaves out `io_uring_*`, which are in `@io-uring` and also need
            `allow_io_uring: true`, because io_uring performs I/O the seccomp filter never sees.

            | Group | Calls | Purpose |
            |---|---:|---|

            """
        for g in SyscallGroups.table {
            out += "| [`\(g.name)`](#\(anchor(g.name))) | \(SyscallGroups.expand(g.name)?.count ?? 0) | \(g.summary) |\n"
        }
        for g in SyscallGroups.table {
            out += "\n## `\(g.name)`\n\n\(g.summary).\n\n"
            let groups = g.members.filter { $0.hasPrefix("@") }
            if !groups.isEmpty { out += "Includes: " + groups.map { "[`\($0)`](#\(anchor($0)))" }.joined(separator: ", ") + ".\n\n" }
            let calls = g.members.filter { !$0.hasPrefix("@") }
            let native = calls.filter { SyscallNames.isNative($0) }
            let other = calls.filter { !SyscallNames.isNative($0) }
            if !native.isEmpty { out += native.map { "`\($0)`" }.joined(separator: " ") + "\n" }
            if !other.isEmpty { out += "\nNot on \(nativeArchitectureName) (dropped here): " + other.map { "`\($0)`" }.joined(separator: " ") + "\n" }
        }
        return out
    }

    static func anchor(_ name: String) -> String {
        String(name.dropFirst().filter { $0.isLetter || $0.isNumber || $0 == "-" })
    }

    static var nativeArchitectureName: String {
        #if arch(x86_64)
        return "x86_64"
        #elseif arch(arm64)
        return "aarch64"
        #else
        return "this architecture"
        #endif
    }
}
