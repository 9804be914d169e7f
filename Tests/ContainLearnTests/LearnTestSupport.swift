import ContainAudit
@testable import ContainLearn
import ContainProfile

/// A described file tree for the collapsing logic: files, directories implied by them, symlinks.
struct TreeFacts: PathFacts {
    var files: Set<String>
    var dirs: Set<String>
    var links: [String: String]
    var elf: Set<String>
    var loaders: [String: [String]]

    init(files: [String], links: [String: String] = [:], elf: [String] = [], loaders: [String: [String]] = [:], dirs: [String] = []) {
        self.files = Set(files)
        var d = Set<String>(dirs)
        for f in files + Array(links.keys) + dirs {
            var p = f
            while p != "/" {
                p = String(p[..<(p.lastIndex(of: "/") ?? p.startIndex)])
                if p.isEmpty { p = "/" }
                d.insert(p)
            }
        }
        self.dirs = d
        self.links = links
        self.elf = Set(elf)
        self.loaders = loaders
    }

    func kind(_ path: String) -> PathKind {
        if links[path] != nil { return .symlink }
        // Like lstat: symlinks on the way to the last component are followed.
        var p = path
        for (l, t) in links where path.hasPrefix(l + "/") { p = t + path.dropFirst(l.count) }
        if files.contains(p) { return .file }
        if dirs.contains(p) { return .directory }
        return .missing
    }
    func resolved(_ path: String) -> String? {
        if let t = links[path] { return t }
        for (l, t) in links where path.hasPrefix(l + "/") { return t + path.dropFirst(l.count) }
        return kind(path) == .missing ? nil : path
    }
    func loaderFiles(ofExecutable path: String) -> [String] { loaders[path] ?? [] }
    func isELF(_ path: String) -> Bool { elf.contains(path) }
}

func syscallEvent(_ name: String, _ args: [(String, String)], exe: String = "/usr/bin/python3.11") -> AuditEvent {
    AuditEvent(wall: .environment, event: "syscall", verdict: .wouldBlock, rule: "syscalls.default", pid: 7, exe: exe,
               syscall: name, args: args, detail: "\(name)(2) would be refused with EPERM (observe mode)")
}

func open(_ path: String, _ flags: String = "O_RDONLY|O_CLOEXEC") -> AuditEvent {
    syscallEvent("openat", [("dirfd", "AT_FDCWD"), ("path", path), ("flags", flags), ("mode", "0")])
}

let ws = "/home/tester/project"
let home = "/home/tester"
let profileLoader = ProfileLoader(variables: ProfileVariables(workspace: ws, home: home, environment: [:]))

func options(_ facts: TreeFacts, env: [(name: String, value: String?)] = []) -> LearnOptions {
    LearnOptions(workspace: ws, home: home, env: env, command: ["mcp-shell-server"], facts: facts)
}
