// `contain check`: validate profiles the way `contain run` would load them, and list syscall groups.
// Problems go to stderr as FILE:LINE:COL: error: message (what editors and CI annotate); `FILE: ok` to stdout.

import ArgumentParser
import ContainLearn
import ContainProfile
import ContainRuleKit
import ContainSandbox
#if canImport(Glibc)
import Glibc
#endif

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate profiles: every problem as FILE:LINE:COL: error: message.",
        discussion: """
            Loads each profile exactly as `contain run` would (extends, variables, syscall names checked \
            against libseccomp for this architecture) and reports every problem, not just the first. \
            Exit status: 0 when every profile is valid (warnings allowed), 1 otherwise.

            Examples:
              contain check profiles/*.yaml
              contain check shell                    # a shipped profile, by name
              contain check --workspace ~/proj my.yaml
              contain check --env KUBECONFIG=~/.kube/config --env KUBE_API_SERVER=10.0.0.1:6443 kubectl
              contain check --groups                 # the syscall groups and their members
              contain check --print my.yaml          # the profile after extends and variables
              contain check --export-bpf strict.bpf strict   # the compiled seccomp program (raw sock_filter[])
            """)

    @Argument(help: "Profile files or shipped profile names.")
    var profiles: [String] = []

    @Option(name: .long, help: "The directory ${WORKSPACE} expands to (default: the current directory).")
    var workspace: String?

    @Option(name: .customLong("env"), help: "Check as if NAME were set to VALUE in the environment (for ${env:NAME}; repeatable).")
    var env: [String] = []

    @Flag(name: .long, help: "List the syscall groups (name, number of calls on this architecture, members).")
    var groups = false

    @Flag(name: .long, help: "Print each valid profile as contain understands it (YAML): extends merged, defaults left out.")
    var print = false

    @Option(name: .customLong("export-bpf"), help: ArgumentHelp("Write the profile's compiled seccomp program (raw struct sock_filter array, as bwrap --seccomp reads it) to FILE.", valueName: "FILE"))
    var exportBPF: String?

    @Flag(name: .long, help: "Print nothing for valid profiles; only problems.")
    var quiet = false

    func validate() throws {
        if profiles.isEmpty && !groups {
            throw ValidationError("give at least one profile to check, or --groups")
        }
        if exportBPF != nil && profiles.count != 1 {
            throw ValidationError("--export-bpf takes exactly one profile")
        }
        for e in env where !(e.contains("=") && e.first != "=") {
            throw ValidationError("--env takes NAME=VALUE, got '\(e)'")
        }
    }

    func run() throws {
        if groups { Swift.print(Self.groupsText(), terminator: "") }
        var variables = ProfileVariables.current(workspace: workspace)
        for e in env {
            guard let eq = e.firstIndex(of: "=") else { continue }
            variables.environment[String(e[..<eq])] = String(e[e.index(after: eq)...])
        }
        let loader = ProfileLoader(variables: variables)
        var failed = false
        for p in profiles {
            // One read, parse and decode per profile: the diagnostics and, when none is an error, the profile.
            let (loaded, checked) = loader.checkAndLoad(p)
            var diags = checked
            if let loaded { diags += Self.regexDiagnostics(loaded, file: p) }
            for d in diags { FileHandleStderr.write(d.description + "\n") }
            if diags.contains(where: { $0.severity == .error }) {
                failed = true
            } else if loaded == nil {
                // The loader never returns neither: say so rather than pass a profile nothing was read from.
                FileHandleStderr.write("\(p): error: the profile could not be loaded, and the loader gave no reason\n")
                failed = true
            } else {
                if !quiet {
                    let warnings = diags.count
                    Swift.print(warnings == 0 ? "\(p): ok" : "\(p): ok (\(warnings) warning\(warnings == 1 ? "" : "s"))")
                }
                if let path = exportBPF, let profile = loaded {
                    do {
                        let program = try SeccompCompiler.compile(profile.environment.syscalls, mode: .enforce,
                                                                  network: profile.environment.network)
                        try Self.writeFile(path, program.bytes)
                        FileHandleStderr.write("\(p): seccomp program: \(program.instructionCount) instructions -> \(path)\n")
                    } catch {
                        FileHandleStderr.write("contain check: --export-bpf \(path): \(error)\n")
                        throw ExitCode(1)
                    }
                }
                if print, let profile = loaded {
                    let renderer = ProfileRenderer(workspace: variables.workspace, home: variables.home)
                    var notes = ProfileAnnotations()
                    notes.header = ["\(p) as loaded" + (profile.sources.count > 1 ? ", merged from: " + profile.sources.joined(separator: " <- ") : "")]
                    Swift.print(renderer.render(profile, notes))
                }
            }
        }
        if failed { throw ExitCode(1) }
    }

    static func groupsText() -> String {
        var out = ""
        for g in SyscallGroups.table {
            let calls = SyscallGroups.expand(g.name) ?? []
            out += "\(g.name) (\(calls.count)): \(g.summary)\n"
            let nested = g.members.filter { $0.hasPrefix("@") }
            if !nested.isEmpty { out += "    includes: \(nested.joined(separator: " "))\n" }
            out += wrap(calls.joined(separator: " "), indent: "    ", width: 100)
        }
        return out
    }

    static func wrap(_ text: String, indent: String, width: Int) -> String {
        var out = "", line = indent
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > width, line != indent { out += line + "\n"; line = indent }
            line += (line == indent ? "" : " ") + word
        }
        if line != indent { out += line + "\n" }
        return out
    }
}

extension CheckCommand {
    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(description: String(cString: strerror(errno))) }
        defer { close(fd) }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + off, bytes.count - off)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw WriteError(description: String(cString: strerror(errno)))
            }
            off += n
        }
    }
}

extension CheckCommand {
    /// The transport wall matches `regex:` conditions with its own linear-time engine, which accepts a subset
    /// of what the loader's syntax check does; a pattern it cannot compile would refuse every call at run time,
    /// so say so here, where the author can fix it.
    static func regexDiagnostics(_ profile: Profile, file: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for rule in profile.mcp?.conditions ?? [] {
            for test in rule.require + rule.denyIf {
                guard case .regex(let pattern) = test.op else { continue }
                do { _ = try SafeRegex(pattern) } catch {
                    let at = rule.location ?? SourceLocation(file: file, line: 1, column: 1)
                    out.append(Diagnostic(at, .error,
                                          "condition \(rule.id): \(error.description) (the transport wall's regex engine is linear-time: no backreferences, lookaround or \\b)"))
                }
            }
        }
        return out
    }
}
