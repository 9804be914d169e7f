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
        var count = 0
        while environ[count] != nil { count += 1 }
        // Sized up front: growing a [String: String] rehashes it and looks its storage type up by name at
        // run time (a scan of the binary's protocol conformances), most of what this function cost.
        var env = [String: String](minimumCapacity: count)
        var p = environ
        while let entry = p.pointee {
            if let (name, value) = split(entry) { env[name] = value }
            p += 1
        }
        var home = env["HOME"] ?? ""
        if home.isEmpty, let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir {
            home = String(cString: dir)
        }
        let ws = workspace.map { PathText.absolute($0, relativeTo: currentDirectory()) } ?? currentDirectory()
        return ProfileVariables(workspace: ws, home: home, environment: env)
    }

    /// `NAME=VALUE` at the first `=`. An ASCII entry (all of them in practice) is split on its bytes;
    /// anything else goes the way it always did, through Characters, so a `=` that a combining mark
    /// joins to its neighbour is not a separator there either.
    static func split(_ entry: UnsafePointer<CChar>) -> (String, String)? {
        let length = strlen(entry)
        return entry.withMemoryRebound(to: UInt8.self, capacity: length) { bytes -> (String, String)? in
            let all = UnsafeBufferPointer(start: bytes, count: length)
            if all.allSatisfy({ $0 < 0x80 }) {
                guard let eq = all.firstIndex(of: UInt8(ascii: "=")) else { return nil }
                return (String(decoding: UnsafeBufferPointer(rebasing: all[..<eq]), as: UTF8.self),
                        String(decoding: UnsafeBufferPointer(rebasing: all[(eq + 1)...]), as: UTF8.self))
            }
            let s = String(cString: entry)
            guard let eq = s.firstIndex(of: "=") else { return nil }
            return (String(s[..<eq]), String(s[s.index(after: eq)...]))
        }
    }

    static func currentDirectory() -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(PATH_MAX) + 1) { buf in
            guard let base = buf.baseAddress, getcwd(base, buf.count) != nil else { return "/" }
            return String(cString: base)
        }
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
        if let fast = asciiNormalize(path) { return fast }
        var out = ""
        out.reserveCapacity(path.utf8.count + 1)
        for c in path.split(separator: "/", omittingEmptySubsequences: true) where c != "." {
            out.append("/")
            out.append(contentsOf: c)
        }
        return out.isEmpty ? "/" : out
    }

    /// `dir/rel` without `.` components or doubled slashes; relative stays relative, `..` is kept (the
    /// file system resolves it, symlinks included).
    static func join(_ dir: String, _ rel: String) -> String {
        var joined = ""
        for c in (dir + "/" + rel).split(separator: "/", omittingEmptySubsequences: true) where c != "." {
            if !joined.isEmpty { joined.append("/") }
            joined.append(contentsOf: c)
        }
        return dir.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// Resolves `..` lexically (for paths already free of symlinks, such as /proc/self/exe's target).
    static func collapse(_ path: String) -> String { LexicalPath.normalize(path) }

    static func hasDotDot(_ path: String) -> Bool {
        if let fast = asciiComponents(path, { $0.count == 2 && $0[0] == dot && $0[1] == dot }) { return fast }
        return path.split(separator: "/").contains("..")
    }

    // Splitting a String at "/" goes Character by Character (grapheme breaking) and cost more than the rest
    // of a path's decoding. For ASCII text, where every byte is a Character (CR LF aside, which holds
    // neither "/" nor "."), splitting the bytes gives the same components; other text keeps the Character
    // path, so a "/" that a combining mark joins to the next scalar stays part of a component there too.
    private static let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")

    /// `normalize` for ASCII text; nil for anything else.
    static func asciiNormalize(_ path: String) -> String? {
        var path = path
        return path.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(unsafeUninitializedCapacity: bytes.count + 1) { out in
                var n = 0
                var i = 0
                while i < bytes.count {
                    while i < bytes.count, bytes[i] == slash { i += 1 }
                    let start = i
                    while i < bytes.count, bytes[i] != slash { i += 1 }
                    let length = i - start
                    if length == 0 || (length == 1 && bytes[start] == dot) { continue }
                    out[n] = slash
                    n += 1
                    for k in start..<i { out[n] = bytes[k]; n += 1 }
                }
                if n == 0 { out[0] = slash; n = 1 }
                return n
            }
        }
    }

    /// Whether any "/"-separated, non-empty component of ASCII `path` satisfies `test`; nil for non-ASCII.
    static func asciiComponents(_ path: String, _ test: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool? {
        var path = path
        return path.withUTF8 { bytes -> Bool? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            var i = 0
            while i < bytes.count {
                while i < bytes.count, bytes[i] == slash { i += 1 }
                let start = i
                while i < bytes.count, bytes[i] != slash { i += 1 }
                if i > start, test(UnsafeBufferPointer(rebasing: bytes[start..<i])) { return true }
            }
            return false
        }
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
