// What the loader says about a profile: every problem with the place it occurs, so an editor (or a human)
// can jump straight to it. The loader collects all of them instead of stopping at the first.

public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var location: SourceLocation
    public var severity: Severity
    public var message: String

    public init(_ location: SourceLocation, _ severity: Severity = .error, _ message: String) {
        self.location = location; self.severity = severity; self.message = message
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
