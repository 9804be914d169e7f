// The server's environment: only what the profile keeps or sets, plus `--env` from the command line.
// Everything else of contain's own environment (tokens, SSH_AUTH_SOCK, cloud credentials...) is dropped.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum EnvironmentScrubber {
    public static let fallbackPath = "/usr/local/bin:/usr/bin:/bin"

    /// contain's own environment as NAME -> VALUE.
    public static func current() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                out[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            p += 1
        }
        return out
    }

    /// `extra`: `--env NAME` (keep from contain's environment) or `--env NAME=VALUE` (set), in order.
    /// Returns NAME -> VALUE; PATH falls back to a standard one so CMD can be resolved.
    public static func build(keep: [String], set: [String: String], extra: [String],
                             from env: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for name in keep { if let v = env[name] { out[name] = v } }
        for (k, v) in set { out[k] = v }
        for e in extra {
            if let eq = e.firstIndex(of: "=") {
                out[String(e[..<eq])] = String(e[e.index(after: eq)...])
            } else if let v = env[e] {
                out[e] = v
            }
        }
        if out["PATH"] == nil { out["PATH"] = fallbackPath }
        return out
    }

    /// Valid names: what POSIX shells accept, so nothing odd reaches the server.
    public static func isValidName(_ name: String) -> Bool {
        guard let f = name.unicodeScalars.first, f == "_" || (f.isASCII && f.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
