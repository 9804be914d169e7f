// What the loader says about a profile: every problem with the place it occurs, so an editor (or a human)
// can jump straight to it. The loader collects all of them instead of stopping at the first.

public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var location: SourceLocation
    public var severity: Severity
    public var message: String

    public init(_ location: SourceLocation, _ severity: Severity = .error, _ message: String) {
        self.location = location; self.severity = severity; self.message = Self.printable(message)
    }

    /// Messages quote the profile's text, which may be hostile: control characters (terminal escapes,
    /// newlines that would fake another diagnostic line) are shown escaped, and the length is bounded.
    static func printable(_ s: String) -> String {
        var out = ""
        var count = 0
        for u in s.unicodeScalars {
            if count >= 1000 { out += "..."; break }
            let v = u.value
            if v < 0x20 || v == 0x7f || (0x80..<0xa0).contains(v) || v == 0x2028 || v == 0x2029 {
                out += "\\u{" + String(v, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
            count += 1
        }
        return out
    }

    /// `FILE:LINE:COL: error: message`, the format compilers use, so editors and CI annotate it.
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// A profile could not be loaded; `diagnostics` holds every problem found (errors first, in file order).
public struct ProfileLoadError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
