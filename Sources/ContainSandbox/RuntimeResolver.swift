// Finds the server's own runtime instead of guessing it (DESIGN.md "Process tree"): resolve CMD on the
// PATH the server will get, follow shebangs (including `#!/usr/bin/env NAME`) to the interpreter, and
// add the executable, the interpreter, a venv and the base prefix its pyvenv.cfg names, and the
// enclosing node_modules, read-only with execute.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public struct RuntimeResolution: Sendable {
    /// The absolute path execve will get.
    public var executable: String
    /// Paths to add read+execute, with why (for the audit note).
    public var additions: [(path: String, reason: String)]
}

public enum RuntimeError: Error, Sendable, CustomStringConvertible {
    case notFound(command: String, searchPath: String)
    case notExecutable(path: String)

    public var description: String {
        switch self {
        case .notFound(let c, let p):
            return "\(c): command not found on the server's PATH (\(p)); give an absolute path or add its directory to PATH with --env PATH=..."
        case .notExecutable(let p):
            return "\(p): not an executable file"
        }
    }
}

public enum RuntimeResolver {
    /// Resolves `command` (argv[0]) on `searchPath` (the server's PATH) relative to `cwd`.
    public static func locate(_ command: String, searchPath: String, cwd: String) throws(RuntimeError) -> String {
        if command.contains("/") {
            let p = command.hasPrefix("/") ? command : SandboxPath.join(cwd, command)
            let n = SandboxPath.normalize(p)
            guard Sys.stat(n) != nil else { throw .notFound(command: command, searchPath: searchPath) }
            guard Sys.isExecutableFile(n) else { throw .notExecutable(path: n) }
            return n
        }
        for dir in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let d = dir.hasPrefix("/") ? String(dir) : SandboxPath.join(cwd, String(dir))
            let candidate = SandboxPath.normalize(SandboxPath.join(d, command))
            if Sys.isExecutableFile(candidate) { return candidate }
        }
        throw .notFound(command: command, searchPath: searchPath)
    }

    /// The executable and everything it needs to run, following up to 4 levels of shebangs.
    public static func resolve(_ command: String, searchPath: String, cwd: String) throws(RuntimeError) -> RuntimeResolution {
        let exe = try locate(command, searchPath: searchPath, cwd: cwd)
        var out = RuntimeResolution(executable: exe, additions: [])
        var seen = Set<String>()
        var current = exe
        for _ in 0..<4 {
            guard !seen.contains(current) else { break }
            seen.insert(current)
            addExecutable(current, into: &out)
            guard let (interp, arg) = shebang(of: current) else { break }
            var next = interp
            if SandboxPath.basename(interp) == "env", let name = envTarget(arg) {
                guard let found = try? locate(name, searchPath: searchPath, cwd: cwd) else { break }
                addExecutable(interp, into: &out)
                next = found
            }
            current = next
        }
        return out
    }

    static func addExecutable(_ path: String, into out: inout RuntimeResolution) {
        out.additions.append((path, "executable"))
        if let real = Sys.realpath(path), real != path { out.additions.append((real, "target of \(path)")) }
        if let venv = venvRoot(of: path) {
            out.additions.append((venv, "virtual environment of \(path)"))
            if let home = pyvenvHome(venv) {
                let base = SandboxPath.directory(of: home)
                out.additions.append((base, "base Python of \(venv) (pyvenv.cfg home = \(home))"))
            }
        }
        let real = Sys.realpath(path) ?? path
        let name = SandboxPath.basename(real)
        if name.hasPrefix("python") || name.hasPrefix("node") || name == "bun" || name == "deno" {
            // The interpreter's installation prefix: its standard library and site-packages live there.
            let prefix = SandboxPath.directory(of: SandboxPath.directory(of: real))
            if prefix != "/" { out.additions.append((prefix, "installation prefix of \(real)")) }
        }
        if let modules = enclosingNodeModules(real) {
            out.additions.append((modules, "node_modules of \(real)"))
        }
    }

    /// `#!/interp arg` of a script, or nil for binaries and unreadable files.
    static func shebang(of path: String) -> (String, String?)? {
        guard case .success(let bytes) = Sys.readFile(path, limit: 256), bytes.count > 2,
              bytes[0] == UInt8(ascii: "#"), bytes[1] == UInt8(ascii: "!") else { return nil }
        let line = bytes[2...].prefix { $0 != UInt8(ascii: "\n") }
        let text = String(decoding: line, as: UTF8.self).trimmingWhitespace()
        guard !text.isEmpty else { return nil }
        let parts = text.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
        let interp = String(parts[0])
        guard interp.hasPrefix("/") else { return nil }
        let arg = parts.count > 1 ? String(parts[1]).trimmingWhitespace() : nil
        return (interp, arg)
    }

    /// The program `env` runs: skips `-S` and option words, stops at the first plain word.
    static func envTarget(_ arg: String?) -> String? {
        guard let arg else { return nil }
        for w in arg.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            if w.hasPrefix("-") || w.contains("=") { continue }
            return String(w)
        }
        return nil
    }

    /// A venv root: the parent of the directory holding the interpreter, when it has pyvenv.cfg.
    static func venvRoot(of path: String) -> String? {
        let root = SandboxPath.directory(of: SandboxPath.directory(of: path))
        guard root != "/", let st = Sys.stat(root + "/pyvenv.cfg"), Sys.isRegular(st) else { return nil }
        return root
    }

    /// `home = /usr/bin` from pyvenv.cfg (the base interpreter's directory).
    static func pyvenvHome(_ venv: String) -> String? {
        guard case .success(let bytes) = Sys.readFile(venv + "/pyvenv.cfg", limit: 16384) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let kv = line.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, String(kv[0]).trimmingWhitespace() == "home" else { continue }
            let v = String(kv[1]).trimmingWhitespace()
            if v.hasPrefix("/") { return SandboxPath.normalize(v) }
        }
        return nil
    }

    static func enclosingNodeModules(_ path: String) -> String? {
        var d = SandboxPath.directory(of: path)
        while d != "/" {
            if SandboxPath.basename(d) == "node_modules" { return d }
            d = SandboxPath.directory(of: d)
        }
        return nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let ws: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let start = firstIndex(where: { !ws($0) }), let end = lastIndex(where: { !ws($0) }) else { return "" }
        return String(self[start...end])
    }
}
