// Every raw syscall the path rules make, in one place, each with its EINTR policy spelled out.
//
// Policy: lookups (openat, openat2 with contain_o_path, fstat, fstatfs, readlink) have no side effect, so EINTR is
// retried without limit; contain_o_path opens never block, so a retry loop cannot spin on a slow device. openat2 may
// answer EAGAIN when a concurrent rename or mount made a RESOLVE_IN_ROOT lookup unprovable; that is retried a
// bounded number of times and then reported, never treated as success. close(2) is never retried: on Linux
// the descriptor is released even when close reports EINTR, and a retry could close someone else's fd.

import CContainPathSys
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum PathSys {
    static let pathMax = Int(PATH_MAX)
    static let procSuperMagic = 0x9fa0
    static let maxEAGAINRetries = 16

    /// A C string view of `bytes` (NUL-terminated copy) for the duration of `body`; `orElse` only if the
    /// buffer has no storage, which a non-empty array always has.
    @inline(__always)
    static func withCString<T>(_ bytes: [UInt8], orElse: T, _ body: (UnsafePointer<CChar>) -> T) -> T {
        var z = bytes
        z.append(0)
        return z.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return orElse }
            return base.withMemoryRebound(to: CChar.self, capacity: buf.count) { body($0) }
        }
    }

    /// open(2) of a directory as an contain_o_path handle (the resolution root). Returns fd or -errno.
    static func openDirectoryPath(_ path: [UInt8]) -> Int32 {
        withCString(path, orElse: -EINVAL) { p in
            while true {
                let fd = open(p, contain_o_path | O_DIRECTORY | O_CLOEXEC)
                if fd >= 0 { return fd }
                if errno == EINTR { continue }
                return -errno
            }
        }
    }

    /// openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS and contain_o_path: `path` is resolved as if `rootFD`
    /// were "/" (absolute symlinks and ".." stay inside it). Returns fd or -errno.
    static func openInRoot(_ rootFD: Int32, _ path: [UInt8], followFinal: Bool) -> Int32 {
        let flags = UInt64(contain_o_path | O_CLOEXEC) | (followFinal ? 0 : UInt64(O_NOFOLLOW))
        let resolve = contain_resolve_in_root | contain_resolve_no_magiclinks
        return withCString(path, orElse: -EINVAL) { p in
            var eagain = 0
            while true {
                let fd = contain_openat2(rootFD, p, flags, resolve)
                if fd >= 0 { return fd }
                let e = errno
                if e == EINTR { continue }
                if e == EAGAIN && eagain < maxEAGAINRetries { eagain += 1; continue }
                return -e
            }
        }
    }

    /// openat(2) of one name (no "/") below `dirFD`, never following a final symlink. One component cannot
    /// escape `dirFD`: ".." is never passed here (the walker handles it). Returns fd or -errno.
    static func openComponent(_ dirFD: Int32, _ name: [UInt8]) -> Int32 {
        withCString(name, orElse: -EINVAL) { p in
            while true {
                let fd = openat(dirFD, p, contain_o_path | O_NOFOLLOW | O_CLOEXEC)
                if fd >= 0 { return fd }
                if errno == EINTR { continue }
                return -errno
            }
        }
    }

    /// What fstat(2) says about an fd: file type bits (S_IFMT), link count, and identity (device, inode).
    struct FileInfo {
        var mode: Int64
        var links: UInt64
        var device: UInt64
        var inode: UInt64
        var isSymlink: Bool { mode == Int64(Glibc.S_IFLNK) }
    }

    /// fstat(2), or the errno.
    static func fileInfo(_ fd: Int32) -> Result<FileInfo, Errno> {
        var st = stat()
        while true {
            if fstat(fd, &st) == 0 {
                return .success(FileInfo(mode: Int64(st.st_mode & S_IFMT), links: UInt64(st.st_nlink),
                                         device: UInt64(st.st_dev), inode: UInt64(st.st_ino)))
            }
            if errno == EINTR { continue }
            return .failure(Errno(errno))
        }
    }

    /// openat(2) of ".." below `dirFD` (O_PATH): the walker's way up, one lookup, checked by the caller
    /// against the identity of the directory it came from. Returns fd or -errno.
    static func openParent(_ dirFD: Int32) -> Int32 {
        while true {
            let fd = openat(dirFD, "..", contain_o_path | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            return -errno
        }
    }

    /// Whether `fd` lives on procfs, where symlinks are "magic" (they jump to wherever the kernel says).
    static func isOnProcfs(_ fd: Int32) -> Bool {
        var type: Int64 = 0
        while true {
            if contain_fstatfs_type(fd, &type) == 0 { return type == Int64(procSuperMagic) }
            if errno == EINTR { continue }
            // Unknown filesystem: treat as procfs, so the caller refuses instead of guessing.
            return true
        }
    }

    /// readlinkat(2) of the symlink `fd` itself (opened contain_o_path|O_NOFOLLOW). Returns the target bytes or -errno.
    static func readSymlink(_ fd: Int32) -> Result<[UInt8], Errno> {
        readlinkLoop { buf, cap in readlinkat(fd, "", buf, cap) }
    }

    /// The path the kernel records for `fd`, as seen from our own root (readlink of /proc/self/fd/N).
    static func pathOfDescriptor(_ fd: Int32) -> Result<[UInt8], Errno> {
        let link = Array("/proc/self/fd/\(fd)".utf8)
        return withCString(link, orElse: .failure(Errno(EINVAL))) { p in readlinkLoop { buf, cap in readlink(p, buf, cap) } }
    }

    private static func readlinkLoop(_ call: (UnsafeMutablePointer<CChar>, Int) -> Int) -> Result<[UInt8], Errno> {
        // PATH_MAX + 1 so that a result of exactly the buffer size proves truncation.
        let cap = pathMax + 1
        var buf = [CChar](repeating: 0, count: cap)
        while true {
            let n = buf.withUnsafeMutableBufferPointer { b -> Int in
                guard let base = b.baseAddress else { errno = EINVAL; return -1 }
                return call(base, cap)
            }
            if n >= 0 {
                if n >= cap { return .failure(Errno(ENAMETOOLONG)) }
                return .success(buf[0..<n].map { UInt8(bitPattern: $0) })
            }
            if errno == EINTR { continue }
            return .failure(Errno(errno))
        }
    }

    /// close(2), never retried (see the policy above).
    static func closeFD(_ fd: Int32) {
        _ = close(fd)
    }
}

/// An errno value with its symbolic name, for messages.
struct Errno: Error, Sendable, Equatable {
    var code: Int32
    init(_ code: Int32) { self.code = code }
    var name: String {
        switch code {
        case ENOENT: return "ENOENT"
        case ENOTDIR: return "ENOTDIR"
        case ELOOP: return "ELOOP"
        case EACCES: return "EACCES"
        case EPERM: return "EPERM"
        case ENAMETOOLONG: return "ENAMETOOLONG"
        case EAGAIN: return "EAGAIN"
        case EXDEV: return "EXDEV"
        case EINVAL: return "EINVAL"
        case ENOSYS: return "ENOSYS"
        case ESRCH: return "ESRCH"
        case EBADF: return "EBADF"
        default: return "errno \(code)"
        }
    }
}
