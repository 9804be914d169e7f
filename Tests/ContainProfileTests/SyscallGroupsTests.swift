import Foundation
import Testing
@testable import ContainProfile

@Suite struct SyscallGroupTable {
    @Test func everyMemberIsASyscallLibseccompKnowsOrAGroup() {
        for g in SyscallGroups.table {
            #expect(g.name.hasPrefix("@"))
            for m in g.members {
                if m.hasPrefix("@") {
                    #expect(SyscallGroups.byName[m] != nil, "\(g.name) includes unknown group \(m)")
                } else {
                    #expect(SyscallNames.nativeSet.contains(m) || SyscallNames.isForeignOnly(m) || Self.knownElsewhere.contains(m),
                            "\(g.name): '\(m)' is not a syscall libseccomp knows (typo?)")
                }
            }
        }
    }

    /// Calls newer than libseccomp 2.5.4 (Debian 12's): systemd lists them; expansion drops them here.
    static let knownElsewhere: Set<String> = [
        "lsm_get_self_attr", "lsm_list_modules", "riscv_hwprobe", "uretprobe",
        "getxattrat", "listxattrat", "removexattrat", "setxattrat",
    ]

    @Test func namesAreUniqueAndGroupsDoNotFormCycles() {
        #expect(Set(SyscallGroups.table.map(\.name)).count == SyscallGroups.table.count)
        func reaches(_ from: String, _ target: String, _ seen: inout Set<String>) -> Bool {
            guard seen.insert(from).inserted, let g = SyscallGroups.byName[from] else { return false }
            return g.members.contains { $0 == target || ($0.hasPrefix("@") && reaches($0, target, &seen)) }
        }
        for g in SyscallGroups.table {
            var seen = Set<String>()
            #expect(!reaches(g.name, g.name, &seen), "\(g.name) includes itself")
        }
    }

    @Test func systemServiceCoversOrdinaryWorkButNoneOfTheDangerousCalls() throws {
        let s = Set(try #require(SyscallGroups.expand("@system-service")))
        for call in ["read", "write", "openat", "close", "mmap", "execve", "clone", "socket", "connect", "epoll_wait", "futex", "exit_group"] {
            #expect(s.contains(call), "@system-service lacks \(call)")
        }
        // What a sandboxed server must never be handed by the common base.
        for call in ["mount", "umount2", "pivot_root", "ptrace", "bpf", "init_module", "finit_module", "kexec_load", "reboot",
                     "swapon", "io_uring_setup", "perf_event_open", "open_by_handle_at", "iopl", "ioperm", "settimeofday",
                     "pidfd_getfd", "quotactl", "acct"] {
            #expect(!s.contains(call), "@system-service must not contain \(call)")
        }
    }

    @Test func expansionIncludesNestedGroupsAndDropsForeignCalls() throws {
        let privileged = Set(try #require(SyscallGroups.expand("@privileged")))
        #expect(privileged.isSuperset(of: try #require(SyscallGroups.expand("@chown"))))
        #expect(privileged.contains("reboot"))
        let basic = try #require(SyscallGroups.expand("@basic-io"))
        #expect(!basic.contains("_llseek"))   // 32-bit only
        #expect(basic == basic.sorted())
        #expect(SyscallGroups.expand("@nope") == nil)
    }

    @Test func syscallNamesComeFromLibseccomp() {
        #expect(SyscallNames.native.count > 300)
        #expect(SyscallNames.number("openat") == 257)
        #expect(SyscallNames.number("socketcall") == nil)
        #expect(SyscallNames.isForeignOnly("socketcall"))
        #expect(!SyscallNames.isForeignOnly("not_a_syscall"))
    }

    @Test func syscallGroupsDocIsCurrent() throws {
        let docPath = repositoryRoot + "/docs/syscall-groups.md"
        let generated = SyscallGroupsDocument.markdown()
        if ProcessInfo.processInfo.environment["CONTAIN_REGENERATE_DOCS"] == "1" {
            try generated.write(toFile: docPath, atomically: true, encoding: .utf8)
        }
        let current = try? String(contentsOfFile: docPath, encoding: .utf8)
        #expect(current == generated, "docs/syscall-groups.md is out of date; regenerate it (see its header)")
    }
}

/// `expand` merges the member lists instead of hashing and sorting; these hold it to what a set and a sort
/// give, for every group, and hold the table to the order the merge relies on.
@Suite struct SyscallGroupExpansion {
    @Test func everyMemberListIsSortedWithoutDuplicates() {
        for g in SyscallGroups.table {
            let calls = g.members.filter { !$0.hasPrefix("@") }
            #expect(calls == calls.sorted(), "\(g.name): members out of order (the merge in expand needs them sorted)")
            #expect(Set(calls).count == calls.count, "\(g.name) lists a call twice")
        }
    }

    @Test func expansionEqualsTheSortedSetOfNativeMembers() throws {
        func reference(_ name: String, _ seen: inout Set<String>) -> Set<String> {
            guard seen.insert(name).inserted, let g = SyscallGroups.byName[name] else { return [] }
            var out = Set<String>()
            for m in g.members {
                if m.hasPrefix("@") { out.formUnion(reference(m, &seen)) } else if SyscallNames.nativeSet.contains(m) { out.insert(m) }
            }
            return out
        }
        for g in SyscallGroups.table {
            var seen = Set<String>()
            let expected = reference(g.name, &seen).sorted()
            let got = try #require(SyscallGroups.expand(g.name))
            #expect(got == expected, "\(g.name)")
        }
        #expect(try #require(SyscallGroups.expand("@system-service")).count > 250)
    }

    @Test func mergeKeepsOrderAndDropsDuplicates() {
        #expect(SyscallGroups.mergeSorted(["a", "c", "e"], ["b", "c", "d", "f"]) == ["a", "b", "c", "d", "e", "f"])
        #expect(SyscallGroups.mergeSorted([], ["x"]) == ["x"])
        #expect(SyscallGroups.mergeSorted(["_llseek", "close"], ["@x", "_llseek"]) == ["@x", "_llseek", "close"])
    }
}
