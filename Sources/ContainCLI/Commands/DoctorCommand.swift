// `contain doctor`: which kernel features this machine offers and which guarantees `contain run` can give.

import ArgumentParser
import ContainAudit
import ContainProfile
import ContainSandbox

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Probe the kernel: which protections contain can give on this machine.",
        discussion: """
            Probes user namespaces (as the caller and, when run as root, as an unprivileged uid), the \
            mount/pid/net/ipc/uts/cgroup namespaces, seccomp filters, SECCOMP_RET_USER_NOTIF and \
            SECCOMP_IOCTL_NOTIF_ADDFD, the Landlock ABI, libseccomp, cgroup v2 and pidfd_getfd. Probes that \
            change the process run in a short-lived child. Exit status: 0 when every essential guarantee \
            holds, 1 otherwise.

            Examples:
              contain doctor
              contain doctor --json | jq '.guarantees[] | select(.holds == false)'
            """)

    @Flag(name: .long, help: "Print the probes and guarantees as one JSON object.")
    var json = false

    func run() throws {
        let report = KernelProbe.run()
        print(json ? Self.json(report) : Self.text(report), terminator: json ? "\n" : "")
        if !report.essentialGuaranteesHold { throw ExitCode(1) }
    }

    static func text(_ r: KernelReport) -> String {
        var out = "kernel \(r.kernel), running as \(r.runningAsRoot ? "root" : "an unprivileged user"), libseccomp \(SyscallNames.libseccompVersion)\n\n"
        let width = r.probes.map(\.name.count).max() ?? 0
        for p in r.probes {
            out += "\(p.status.rawValue.padding(7)) \(p.name.padding(width))  \(p.detail) -> \(p.meaning)\n"
        }
        out += "\nGuarantees `contain run` can give here:\n"
        for g in r.guarantees {
            out += "  \(g.holds ? "yes" : (g.essential ? "NO " : "no ")) \(g.name)"
            if !g.holds, !g.reason.isEmpty { out += " (\(g.reason))" }
            out += "\n"
        }
        out += r.essentialGuaranteesHold
            ? "\nEvery essential guarantee holds: contain run can enforce the shipped profiles.\n"
            : "\nSome essential guarantees do not hold: contain run refuses profiles that need them (unless best_effort: true).\n"
        return out
    }

    static func json(_ r: KernelReport) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.field("kernel", r.kernel)
        w.field("running_as_root", r.runningAsRoot)
        w.field("libseccomp", SyscallNames.libseccompVersion)
        w.field("landlock_abi", r.landlockABI)
        w.field("essential_guarantees_hold", r.essentialGuaranteesHold)
        w.beginArray("probes")
        for p in r.probes {
            w.beginObject()
            w.field("id", p.id)
            w.field("name", p.name)
            w.field("status", p.status.rawValue)
            w.field("detail", p.detail)
            w.field("meaning", p.meaning)
            w.endObject()
        }
        w.endArray()
        w.beginArray("guarantees")
        for g in r.guarantees {
            w.beginObject()
            w.field("name", g.name)
            w.field("holds", g.holds)
            w.field("essential", g.essential)
            if !g.reason.isEmpty { w.field("reason", g.reason) }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.text
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
