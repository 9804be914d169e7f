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
    /// Paths discovery found through files the server can write, that do not look like a runtime: not
    /// added (a server could have planted them for its next run), with why.
    public var refused: [(path: String, reason: String)] = []
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
    ///
    /// `isWritable` says whether a path is inside the server's writable view. Files there are the
    /// server's to change between runs (a shebang, a venv's pyvenv.cfg, a symlink), so anything found
    /// through them outside the writable view is added only if it looks like a runtime: an executable
    /// file, or an installation prefix with an interpreter in bin/. Otherwise a planted
    /// `home = /home/me/.aws` would bind the user's credentials into the next run.
    public static func resolve(_ command: String, searchPath: String, cwd: String,
                               isWritable: (String) -> Bool = { _ in false }) throws(RuntimeError) -> RuntimeResolution {
        let exe = try locate(command, searchPath: searchPath, cwd: cwd)
        var out = RuntimeResolution(executable: exe, additions: [])
        var seen = Set<String>()
        var current = exe
        var tainted = false
        for _ in 0..<4 {
            guard !seen.contains(current) else { break }
            seen.insert(current)
            if isWritable(current) || isWritable(Sys.realpath(current) ?? current) { tainted = true }
            addExecutable(current, into: &out, tainted: tainted, isWritable: isWritable)
            guard let (interp, arg) = shebang(of: current) else { break }
            var next = interp
            if SandboxPath.basename(interp) == "env", let name = envTarget(arg) {
                guard let found = try? locate(name, searchPath: searchPath, cwd: cwd) else { break }
                addExecutable(interp, into: &out, tainted: tainted, isWritable: isWritable)
                next = found
            }
            current = next
        }
        return out
    }

    static func addExecutable(_ path: String, into out: inout RuntimeResolution, tainted: Bool = false,
                              isWritable: (String) -> Bool = { _ in false }) {
        var found: [(String, String)] = []
        collect(path, into: &found)
        for (p, reason) in found {
            if tainted && !isWritable(p) && !looksLikeRuntime(p) {
                out.refused.append((p, reason))
            } else {
                out.additions.append((p, reason))
            }
        }
    }

    /// An executable regular file without setuid/setgid bits, or a directory with an interpreter in bin/
    /// (or a node_modules tree).
    static func looksLikeRuntime(_ path: String) -> Bool {
        guard let st = Sys.stat(path) else { return false }
        if Sys.isRegular(st) { return Sys.isExecutableFile(path) && st.st_mode & 0o6000 == 0 }
        guard Sys.isDirectory(st) else { return false }
        if SandboxPath.basename(path) == "node_modules" { return true }
        for name in ["python3", "python", "node", "bun", "deno"] where Sys.isExecutableFile(path + "/bin/" + name) {
            return true
        }
        return false
    }

    static func collect(_ path: String, into out: inout [(String, String)]) {
        out.append((path, "executable"))
        if let real = Sys.realpath(path), real != path { out.append((real, "target of \(path)")) }
        if let venv = venvRoot(of: path) {
            out.append((venv, "virtual environment of \(path)"))
            if let home = pyvenvHome(venv) {
                let base = SandboxPath.directory(of: home)
                out.append((base, "base Python of \(venv) (pyvenv.cfg home = \(home))"))
            }
        }
        let real = Sys.realpath(path) ?? path
        let name = SandboxPath.basename(real)
        if name.hasPrefix("python") || name.hasPrefix("node") || name == "bun" || name == "deno" {
            // The interpreter's installation prefix: its standard library and site-packages live there.
            let prefix = SandboxPath.directory(of: SandboxPath.directory(of: real))
            if prefix != "/" { out.append((prefix, "installation prefix of \(real)")) }
        }
        if let modules = enclosingNodeModules(real) {
            out.append((modules, "node_modules of \(real)"))
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
