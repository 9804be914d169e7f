// Why a path could not be canonicalised. Every case is a refusal: a path the wall cannot resolve the way the
// server will is never allowed. Descriptions say what failed and what would fix it.

public enum PathCanonicalizationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The raw value holds a NUL byte (the kernel would truncate the path there).
    case containsNUL
    /// Longer than PATH_MAX bytes (raw, or once made absolute).
    case tooLong(bytes: Int)
    /// `~name` forms: the home of another user is not known inside the sandbox.
    case otherUsersHome(String)
    /// A symlink loop or more than 40 symlinks (ELOOP).
    case symlinkLoop(at: String)
    /// A procfs "magic" link (e.g. /proc/self/root, /proc/<pid>/fd/N): its target is not a path.
    case magicLink(at: String)
    /// The resolved path is not valid UTF-8, so globs cannot be matched against it reliably.
    case notUTF8(String)
    /// The sandbox root (or "/") could not be opened.
    case rootUnavailable(root: String, errno: String)
    /// A lookup failed with something other than "does not exist" (EACCES, ENAMETOOLONG, ...).
    case lookupFailed(at: String, errno: String)
    /// The kernel reported a location outside the resolution root (should not happen with RESOLVE_IN_ROOT).
    case escapedRoot(String)
    /// The file vanished while being resolved (a concurrent unlink/rename).
    case raced(String)
    /// A relative path or `~` with no absolute working or home directory to anchor it.
    case noAnchor(String)
    /// A `file:` URI that is not a local, absolute, well-formed file URI.
    case badFileURI(String)

    public var description: String {
        switch self {
        case .containsNUL:
            return "contains a NUL byte; remove it (the kernel would cut the path short there)"
        case .tooLong(let n):
            return "is \(n) bytes long, over PATH_MAX (\(PathSys.pathMax)); use a shorter path"
        case .otherUsersHome(let s):
            return "uses \(PathByteOps.quoted(s)), another user's home, which the sandbox does not resolve; write the absolute path"
        case .symlinkLoop(let at):
            return "hits a symlink loop or more than 40 symlinks (ELOOP) at \(at); fix or remove the link"
        case .magicLink(let at):
            return "goes through the procfs magic link \(at), whose target is not a path; use the real path"
        case .notUTF8(let s):
            return "resolves to \(s), which is not valid UTF-8, so it cannot be matched against the path rules; rename the file"
        case .rootUnavailable(let root, let e):
            return "cannot be resolved: the sandbox root \(root) could not be opened (\(e)); is the server still running?"
        case .lookupFailed(let at, let e):
            return "cannot be resolved: looking up \(at) failed with \(e)"
        case .escapedRoot(let s):
            return "resolved outside the sandbox root (kernel reported \(s))"
        case .raced(let s):
            return "changed while it was being resolved (\(s) was removed or renamed); retry the call"
        case .noAnchor(let s):
            return "is relative or uses ~, but the \(s) is not an absolute path"
        case .badFileURI(let why):
            return "is not a usable file: URI (\(why))"
        }
    }
}
