// Finds a profile by path or by shipped name (`--profile shell` -> profiles/shell.yaml or its installed copy).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum ProfileLocator {
    /// A path when `nameOrPath` names an existing file or looks like a path (has a `/` or a .yaml/.yml
    /// suffix: the caller then reports the read error for that path); otherwise the first `NAME.yaml` in
    /// `searchDirectories()`; nil when no shipped profile has that name.
    /// `environment` supplies CONTAIN_PROFILE_PATH (nil: the process environment).
    public static func resolve(_ nameOrPath: String, environment: [String: String]? = nil) -> String? {
        if nameOrPath.isEmpty { return nil }
        if isRegularFile(nameOrPath) || looksLikePath(nameOrPath) { return nameOrPath }
        return resolveShipped(nameOrPath, environment: environment)
    }

    /// Only among the shipped profiles (what `extends: NAME` means).
    public static func resolveShipped(_ name: String, environment: [String: String]? = nil) -> String? {
        guard isPlainName(name) else { return nil }
        let file = "/" + name + ".yaml"
        // The directories in `searchDirectories` order, but the ones found from the executable (a readlink
        // and several stats) only when CONTAIN_PROFILE_PATH has no such file.
        let fromEnv = environmentDirectories(environment)
        for dir in fromEnv where isRegularFile(dir + file) { return dir + file }
        for dir in executableDirectories(after: fromEnv) where isRegularFile(dir + file) { return dir + file }
        return nil
    }

    static func looksLikePath(_ s: String) -> Bool {
        s.contains("/") || s.hasSuffix(".yaml") || s.hasSuffix(".yml")
    }

    static func isPlainName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 128 && s.first != "." && s.unicodeScalars.allSatisfy {
            ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }

    /// Names of every shipped profile found (for "unknown profile; shipped: ...").
    public static func shippedNames(environment: [String: String]? = nil) -> [String] {
        var names = Set<String>()
        for dir in searchDirectories(environment: environment) {
            guard let d = opendir(dir) else { continue }
            defer { closedir(d) }
            while let e = readdir(d) {
                let name = withUnsafePointer(to: e.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name.hasSuffix(".yaml"), !name.hasPrefix(".") { names.insert(String(name.dropLast(5))) }
            }
        }
        return names.sorted()
    }

    /// `$CONTAIN_PROFILE_PATH` (colon-separated), then the source tree's `profiles/` when running from a
    /// SwiftPM build directory, then `<prefix>/share/contain/profiles` next to an installed binary.
    public static func searchDirectories(environment: [String: String]? = nil) -> [String] {
        let fromEnv = environmentDirectories(environment)
        return fromEnv + executableDirectories(after: fromEnv)
    }

    static func environmentDirectories(_ environment: [String: String]?) -> [String] {
        let fromEnv = environment.map { $0["CONTAIN_PROFILE_PATH"] } ?? getenv("CONTAIN_PROFILE_PATH").map { String(cString: $0) }
        guard let fromEnv else { return [] }
        return fromEnv.split(separator: ":").map(String.init).filter { !$0.isEmpty }
    }

    /// The directories found from the executable's location, leaving out any already in `earlier`.
    static func executableDirectories(after earlier: [String]) -> [String] {
        var dirs: [String] = []
        guard let exe = executablePath() else { return dirs }
        let exeDir = PathText.directory(of: exe)
        // .build/release/contain resolves to .build/<triple>/release/contain: try both depths, and only
        // accept a directory that sits next to Package.swift, so an installed binary never picks up a
        // stray /profiles.
        for up in ["/../..", "/../../.."] {
            let root = PathText.collapse(exeDir + up)
            let candidate = (root == "/" ? "" : root) + "/profiles"
            if isDirectory(candidate), isRegularFile(root + "/Package.swift"), !earlier.contains(candidate), !dirs.contains(candidate) {
                dirs.append(candidate)
            }
        }
        let installed = PathText.collapse(exeDir + "/../share/contain/profiles")
        if isDirectory(installed), !earlier.contains(installed), !dirs.contains(installed) { dirs.append(installed) }
        return dirs
    }

    static func executablePath() -> String? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(PATH_MAX) + 1) { buf -> String? in
            guard let base = buf.baseAddress else { return nil }
            let n = base.withMemoryRebound(to: CChar.self, capacity: buf.count) { readlink("/proc/self/exe", $0, buf.count - 1) }
            guard n > 0 else { return nil }
            // readlink does not terminate the text; the old reader stopped at the first NUL, so does this.
            let text = UnsafeBufferPointer(rebasing: buf[0..<n])
            let end = text.firstIndex(of: 0) ?? n
            return String(decoding: UnsafeBufferPointer(rebasing: text[0..<end]), as: UTF8.self)
        }
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
