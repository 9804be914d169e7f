#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The values `${WORKSPACE}`, `${HOME}`, `${env:NAME}` and a leading `~` expand to while loading.
public struct ProfileVariables: Sendable {
    public var workspace: String
    public var home: String
    public var environment: [String: String]

    public init(workspace: String, home: String, environment: [String: String]) {
        self.workspace = workspace; self.home = home; self.environment = environment
    }

    /// The calling process's view: workspace = `workspace` or the current directory, home = $HOME (or the
    /// password database when $HOME is unset), environment = the process environment.
    public static func current(workspace: String? = nil) -> ProfileVariables {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                env[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            p += 1
        }
        var home = env["HOME"] ?? ""
        if home.isEmpty, let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir {
            home = String(cString: dir)
        }
        let ws = workspace.map { PathText.absolute($0, relativeTo: currentDirectory()) } ?? currentDirectory()
        return ProfileVariables(workspace: ws, home: home, environment: env)
    }

    static func currentDirectory() -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buf, buf.count) != nil else { return "/" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Lexical path helpers (no file system access: the loader must mean the same thing on every machine).
enum PathText {
    static func absolute(_ path: String, relativeTo dir: String) -> String {
        if path.hasPrefix("/") { return normalize(path) }
        return normalize(dir + "/" + path)
    }

    /// Collapses `//`, `/./` and a trailing `/`; keeps `..` (callers that must refuse it check first).
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for c in path.split(separator: "/", omittingEmptySubsequences: true) where c != "." {
            parts.append(c)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `dir/rel` without `.` components or doubled slashes; relative stays relative, `..` is kept (the
    /// file system resolves it, symlinks included).
    static func join(_ dir: String, _ rel: String) -> String {
        let parts = (dir + "/" + rel).split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        let joined = parts.joined(separator: "/")
        return dir.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// Resolves `..` lexically (for paths already free of symlinks, such as /proc/self/exe's target).
    static func collapse(_ path: String) -> String {
        var parts: [Substring] = []
        for c in path.split(separator: "/", omittingEmptySubsequences: true) where c != "." {
            if c == ".." { _ = parts.popLast() } else { parts.append(c) }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func hasDotDot(_ path: String) -> Bool {
        path.split(separator: "/").contains("..")
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `inner` equals `outer` or lies below it (component-wise).
    static func isWithin(_ inner: String, _ outer: String) -> Bool {
        if outer == "/" { return true }
        return inner == outer || inner.hasPrefix(outer + "/")
    }
}
