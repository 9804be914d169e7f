// Canonicalisation "as the server will see it": the path a client sends is turned into the absolute,
// symlink-free path(s) the server's open(2) would reach, inside the sandbox's view when the sandbox root is
// known (/proc/<server pid>/root), otherwise on the host with the same algorithm.
//
// A server may treat a path in more than one way, so a raw path yields every reading a server could act on,
// and the rule checks them all (any denial wins):
//  - `~` expanded (reference server, Python expanduser) and, for servers that do not expand, taken literally;
//  - a `file:` URI decoded, for servers that accept URIs;
//  - the kernel's physical resolution (".." after symlinks) and the string-cleaned form (".." before
//    symlinks: path.resolve, os.path.abspath), which differ when a symlink precedes "..";
//  - the final symlink followed (open, stat) and not followed (rename, unlink, lstat act on the link).
// Missing components (a file about to be created, a dangling symlink's target) are resolved through the
// nearest existing parent; the rest is appended after cleaning "." and "..".

import ContainRuleKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One resolution of a path.
public struct ResolvedPath: Sendable, Equatable {
    /// Absolute, symlink-free (up to the first missing component) path in the server's view.
    public var path: String
    /// Everything named exists right now (false: resolved through its nearest existing parent).
    public var exists: Bool
    /// The final component is a symlink (only possible when the final symlink is not followed).
    public var finalIsSymlink: Bool
}

public struct PathCanonicalizer: Sendable {
    public var context: RuleContext
    /// Linux MAXSYMLINKS: the kernel's own limit, so we refuse exactly where open(2) would fail with ELOOP.
    static let maxSymlinks = 40

    public init(context: RuleContext) { self.context = context }

    /// Every canonical path the server could end up touching for `raw` (deduplicated by bytes, the plain
    /// physical resolution first). Throws when any reading cannot be resolved: the caller must refuse.
    public func canonicalPaths(_ raw: String) throws(PathCanonicalizationError) -> [String] {
        let root = try ResolutionRoot(sandboxRoot: context.sandboxRoot)
        var seen = Set<PathBytes>()
        var out: [String] = []
        for absolute in try interpretations(raw) {
            let comps = PathByteOps.components(absolute)
            var variants = [comps]
            if PathByteOps.hasDotComponents(comps) { variants.append(PathByteOps.lexicallyNormalized(comps)) }
            for v in variants {
                let link = try resolve(v, in: root, followFinal: false)
                var results = [link]
                if link.finalIsSymlink { results.insert(try resolve(v, in: root, followFinal: true), at: 0) }
                for r in results where seen.insert(r.bytes).inserted {
                    guard let s = PathByteOps.string(r.bytes) else {
                        throw .notUTF8(PathByteOps.quoted(bytes: r.bytes))
                    }
                    out.append(s)
                }
            }
        }
        return out
    }

    /// The primary reading: `~` expanded, made absolute, resolved physically with the final symlink
    /// followed. What open(2) of `raw` would reach.
    public func canonicalize(_ raw: String) throws(PathCanonicalizationError) -> String {
        try resolve(raw, followFinal: true).path
    }

    public func resolve(_ raw: String, followFinal: Bool) throws(PathCanonicalizationError) -> ResolvedPath {
        let root = try ResolutionRoot(sandboxRoot: context.sandboxRoot)
        guard let primary = try interpretations(raw).first else { throw .noAnchor("path") }
        let r = try resolve(PathByteOps.components(primary), in: root, followFinal: followFinal)
        guard let s = PathByteOps.string(r.bytes) else { throw .notUTF8(PathByteOps.quoted(bytes: r.bytes)) }
        return ResolvedPath(path: s, exists: r.exists, finalIsSymlink: r.finalIsSymlink)
    }

    // MARK: - Readings of the raw string

    /// The absolute byte paths `raw` can mean, primary first. Validates NUL and PATH_MAX.
    func interpretations(_ raw: String) throws(PathCanonicalizationError) -> [PathBytes] {
        let bytes = Array(raw.utf8)
        if bytes.contains(0) { throw .containsNUL }
        if bytes.count >= PathSys.pathMax { throw .tooLong(bytes: bytes.count) }
        var out: [PathBytes] = []
        if FileURI.looksLikeFileURI(bytes) {
            out.append(try FileURI.decodePath(raw))
        }
        if bytes.first == 0x7E /* ~ */ {
            let firstEnd = bytes.firstIndex(of: PathByteOps.slash) ?? bytes.endIndex
            guard firstEnd == 1 else { throw .otherUsersHome(String(decoding: bytes[..<firstEnd], as: UTF8.self)) }
            let home = Array(context.home.utf8)
            guard home.first == PathByteOps.slash else { throw .noAnchor("home directory") }
            out.append(home + [PathByteOps.slash] + bytes[firstEnd...])
            out.append(try anchored(bytes)) // a server that does not expand ~ opens "./~/..."
        } else if bytes.first == PathByteOps.slash {
            out.append(bytes)
        } else {
            out.append(try anchored(bytes))
        }
        for p in out where p.count >= PathSys.pathMax { throw .tooLong(bytes: p.count) }
        return out
    }

    private func anchored(_ relative: PathBytes) throws(PathCanonicalizationError) -> PathBytes {
        let cwd = Array(context.workingDirectory.utf8)
        guard cwd.first == PathByteOps.slash else { throw .noAnchor("working directory") }
        if relative.isEmpty { return cwd } // pathlib: Path("") is "."
        return cwd + [PathByteOps.slash] + relative
    }

    // MARK: - Resolution inside the root

    struct Resolution {
        var bytes: PathBytes
        var exists: Bool
        var finalIsSymlink: Bool
    }

    /// Fast path: one openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) and the kernel's own record of
    /// where it landed. When something is missing (or a loop/magic link needs a precise diagnosis) the
    /// component walker takes over.
    func resolve(_ comps: [PathBytes], in root: ResolutionRoot, followFinal: Bool) throws(PathCanonicalizationError) -> Resolution {
        let fd = PathSys.openInRoot(root.fd, PathByteOps.join(comps), followFinal: followFinal)
        if fd >= 0 {
            defer { PathSys.closeFD(fd) }
            let info: PathSys.FileInfo
            switch PathSys.fileInfo(fd) {
            case .success(let i): info = i
            case .failure(let e): throw .lookupFailed(at: display(comps), errno: e.name)
            }
            let path = try root.location(of: fd, links: info.links, display: display(comps))
            return Resolution(bytes: path, exists: true, finalIsSymlink: info.isSymlink)
        }
        switch -fd {
        case ENOENT, ENOTDIR, ELOOP:
            return try walk(comps, in: root, followFinal: followFinal)
        case ENOSYS:
            // Kernel without openat2 (< 5.6): the walker gives the same answer with openat alone.
            return try walk(comps, in: root, followFinal: followFinal)
        default:
            throw .lookupFailed(at: display(comps), errno: Errno(-fd).name)
        }
    }

    /// Component-by-component resolution with the kernel's semantics, confined to the root by construction:
    /// only single names are opened (O_NOFOLLOW), ".." never rises above the root and must land on the very
    /// directory the walk came down from (device and inode compared; a directory moved meanwhile is a race
    /// and refused), absolute symlink targets restart at the root. Stops at the first missing component and
    /// appends the cleaned rest. One descriptor is held at a time, however deep the path.
    func walk(_ comps: [PathBytes], in root: ResolutionRoot, followFinal: Bool) throws(PathCanonicalizationError) -> Resolution {
        var current: Int32 = -1 // -1: at the root
        defer { if current >= 0 { PathSys.closeFD(current) } }
        var names: [PathBytes] = []
        var ancestors: [(device: UInt64, inode: UInt64)] = [] // identity of the directory above names[i]
        var currentID = root.identity
        var currentIsDirectory = true
        var pending = Array(comps.reversed())
        var links = 0
        var tail: [PathBytes] = []
        var finalIsSymlink = false

        func moveTo(_ fd: Int32) {
            if current >= 0 { PathSys.closeFD(current) }
            current = fd
        }

        walking: while let c = pending.popLast() {
            if c == PathByteOps.dotComponent { continue }
            if c == PathByteOps.dotDotComponent {
                if !currentIsDirectory {
                    // "file/..": ENOTDIR for the kernel; keep the cleaned rest, as for a missing name.
                    tail = [c] + pending.reversed()
                    break walking
                }
                guard let expected = ancestors.popLast() else { continue } // "/.." is "/"
                names.removeLast()
                if names.isEmpty { moveTo(-1); currentID = root.identity; currentIsDirectory = true; continue }
                let up = PathSys.openParent(current)
                if up < 0 { throw .lookupFailed(at: display(names), errno: Errno(-up).name) }
                switch PathSys.fileInfo(up) {
                case .success(let i) where i.device == expected.device && i.inode == expected.inode:
                    moveTo(up); currentID = expected; currentIsDirectory = true
                case .success:
                    PathSys.closeFD(up); throw .raced(display(names))
                case .failure(let e):
                    PathSys.closeFD(up); throw .lookupFailed(at: display(names), errno: e.name)
                }
                continue
            }
            let fd = PathSys.openComponent(current >= 0 ? current : root.fd, c)
            if fd < 0 {
                if -fd == ENOENT || -fd == ENOTDIR {
                    tail = [c] + pending.reversed()
                    break walking
                }
                throw .lookupFailed(at: display(names + [c]), errno: Errno(-fd).name)
            }
            let info: PathSys.FileInfo
            switch PathSys.fileInfo(fd) {
            case .success(let i): info = i
            case .failure(let e):
                PathSys.closeFD(fd)
                throw .lookupFailed(at: display(names + [c]), errno: e.name)
            }
            if info.isSymlink {
                if pending.isEmpty && !followFinal {
                    ancestors.append(currentID); names.append(c); moveTo(fd)
                    currentID = (info.device, info.inode); currentIsDirectory = false; finalIsSymlink = true
                    continue
                }
                defer { PathSys.closeFD(fd) }
                links += 1
                if links > Self.maxSymlinks { throw .symlinkLoop(at: display(names + [c])) }
                if PathSys.isOnProcfs(fd) { throw .magicLink(at: display(names + [c])) }
                let target: PathBytes
                switch PathSys.readSymlink(fd) {
                case .success(let t): target = t
                case .failure(let e): throw .lookupFailed(at: display(names + [c]), errno: e.name)
                }
                if target.isEmpty {
                    // An empty target fails every lookup with ENOENT; treat the link as the missing name.
                    tail = [c] + pending.reversed()
                    break walking
                }
                if target.first == PathByteOps.slash {
                    moveTo(-1); names.removeAll(); ancestors.removeAll(); currentID = root.identity
                    currentIsDirectory = true
                }
                pending.append(contentsOf: PathByteOps.components(target).reversed())
                continue
            }
            ancestors.append(currentID); names.append(c); moveTo(fd)
            currentID = (info.device, info.inode)
            currentIsDirectory = info.mode == Int64(S_IFDIR)
        }

        // The existing part as the kernel stores it (the names on disk, bind mounts as seen in the view).
        var resolved: [PathBytes] = []
        if current >= 0 {
            resolved = PathByteOps.components(try root.location(of: current, links: 1, display: display(names)))
        }
        for t in tail {
            if t == PathByteOps.dotComponent { continue }
            if t == PathByteOps.dotDotComponent { if !resolved.isEmpty { resolved.removeLast() }; continue }
            resolved.append(t)
        }
        let bytes = PathByteOps.join(resolved)
        if bytes.count >= PathSys.pathMax { throw .tooLong(bytes: bytes.count) }
        return Resolution(bytes: bytes, exists: tail.isEmpty, finalIsSymlink: tail.isEmpty && finalIsSymlink)
    }

    private func display(_ comps: [PathBytes]) -> String {
        PathByteOps.quoted(bytes: PathByteOps.join(comps))
    }
}

/// The directory resolution is confined to ("/" of the sandbox's view, or of the host), opened once per
/// check, and the prefix the kernel reports for it from our side.
final class ResolutionRoot {
    let fd: Int32
    /// Device and inode of the root directory (where ".." stops).
    let identity: (device: UInt64, inode: UInt64)
    /// Empty when the root reads back as "/" (the host root, or a root in another mount namespace,
    /// whose paths the kernel already reports relative to that namespace).
    let prefix: PathBytes

    init(sandboxRoot: String?) throws(PathCanonicalizationError) {
        let rootPath = sandboxRoot ?? "/"
        let bytes = Array(rootPath.utf8)
        if bytes.contains(0) { throw .rootUnavailable(root: rootPath, errno: "NUL in path") }
        let fd = PathSys.openDirectoryPath(bytes)
        if fd < 0 { throw .rootUnavailable(root: rootPath, errno: Errno(-fd).name) }
        switch PathSys.fileInfo(fd) {
        case .success(let i): identity = (i.device, i.inode)
        case .failure(let e):
            PathSys.closeFD(fd)
            throw .rootUnavailable(root: rootPath, errno: "fstat: \(e.name)")
        }
        switch PathSys.pathOfDescriptor(fd) {
        case .success(let p):
            self.prefix = (p == [PathByteOps.slash]) ? [] : p
            self.fd = fd
        case .failure(let e):
            PathSys.closeFD(fd)
            throw .rootUnavailable(root: rootPath, errno: "readlink /proc/self/fd: \(e.name)")
        }
        if prefix.first != nil && prefix.first != PathByteOps.slash {
            PathSys.closeFD(fd)
            throw .rootUnavailable(root: rootPath, errno: "kernel reports it as \(PathByteOps.quoted(bytes: prefix))")
        }
    }

    deinit { PathSys.closeFD(fd) }

    /// Where `fd` is, relative to the root, from the kernel's record (/proc/self/fd/N).
    func location(of fd: Int32, links: UInt64, display: String) throws(PathCanonicalizationError) -> PathBytes {
        let p: PathBytes
        switch PathSys.pathOfDescriptor(fd) {
        case .success(let v): p = v
        case .failure(let e): throw .lookupFailed(at: display, errno: "readlink /proc/self/fd: \(e.name)")
        }
        guard p.first == PathByteOps.slash else { throw .escapedRoot(PathByteOps.quoted(bytes: p)) }
        let deletedSuffix = Array(" (deleted)".utf8)
        if links == 0 && p.count >= deletedSuffix.count && Array(p.suffix(deletedSuffix.count)) == deletedSuffix {
            throw .raced(display)
        }
        if prefix.isEmpty { return p }
        if p == prefix { return [PathByteOps.slash] }
        guard p.count > prefix.count, Array(p.prefix(prefix.count)) == prefix, p[prefix.count] == PathByteOps.slash else {
            throw .escapedRoot(PathByteOps.quoted(bytes: p))
        }
        return Array(p[prefix.count...])
    }
}
