// Every raw system call the supervisor side of the sandbox makes, in one place, each with its EINTR
// policy stated (modelled on apple/swift-system's Internals/Syscalls.swift). The child side is C
// (csrc/CContainChild) and has its own policies there.
//
// Policy legend:
//  - retry:   EINTR restarts the call (it has no side effect before the interruption).
//  - once:    EINTR is returned to the caller (the call may have had an effect, or it never blocks).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CContainChild
import ContainProfile

public enum Sys {
    /// A failed call: the errno and the call's name, for messages.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var call: String
        public var errno: Int32
        public init(_ call: String, _ errno: Int32) { self.call = call; self.errno = errno }
        public var description: String { "\(call): \(Sys.errnoText(errno))" }
    }

    /// "ENOENT (No such file or directory)".
    public static func errnoText(_ e: Int32) -> String {
        let name = errnoName(e)
        return "\(name) (\(String(cString: strerror(e))))"
    }

    /// The profile language's errno table: one list of names for what profiles say and what contain prints.
    public static func errnoName(_ e: Int32) -> String { ErrnoNames.name(e) ?? "errno \(e)" }

    // MARK: file descriptors

    /// open(2). Policy: retry (open of a FIFO or a slow device may be interrupted before it has an effect).
    /// Always close-on-exec.
    public static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Result<Int32, Failure> {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return .success(fd) }
            if errno == EINTR { continue }
            return .failure(Failure("open \(path)", errno))
        }
    }

    /// close(2). Policy: once. On Linux the descriptor is released even when EINTR is reported, so a
    /// retry could close a descriptor another thread just got.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// pipe2(O_CLOEXEC). Policy: never blocks.
    public static func pipe() -> Result<(read: Int32, write: Int32), Failure> {
        var fds: [Int32] = [-1, -1]
        if contain_sys_pipe2_cloexec(&fds) != 0 { return .failure(Failure("pipe2", errno)) }
        return .success((fds[0], fds[1]))
    }

    /// read(2) into `buffer`. Policy: retry.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Failure> {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .success(0) }
        while true {
            let n = Glibc.read(fd, base, buffer.count)
            if n >= 0 { return .success(n) }
            if errno == EINTR { continue }
            return .failure(Failure("read", errno))
        }
    }

    /// Fills `buffer`, or fewer bytes at end-of-file. Policy: retry.
    public static func readFull(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Failure> {
        var got = 0
        while got < buffer.count {
            switch read(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[got...])) {
            case .failure(let f): return .failure(f)
            case .success(0): return .success(got)
            case .success(let n): got += n
            }
        }
        return .success(got)
    }

    /// write(2) of all bytes. Policy: retry (a partial write continues where it stopped).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Result<Void, Failure> {
        guard let base = bytes.baseAddress else { return .success(()) }
        var off = 0
        while off < bytes.count {
            let n = Glibc.write(fd, base + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Failure("write", errno))
            }
            off += n
        }
        return .success(())
    }

    public static func writeAll(_ fd: Int32, _ text: String) -> Result<Void, Failure> {
        var text = text
        return text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    /// Writes a whole small file (procfs control files: one write, as the kernel requires). Policy: retry.
    public static func writeFile(_ path: String, _ text: String) -> Result<Void, Failure> {
        switch open(path, O_WRONLY) {
        case .failure(let f): return .failure(f)
        case .success(let fd):
            defer { close(fd) }
            return writeAll(fd, text).mapError { Failure("write \(path)", $0.errno) }
        }
    }

    /// Reads a whole small file (up to `limit` bytes). Policy: retry.
    public static func readFile(_ path: String, limit: Int = 1 << 20) -> Result<[UInt8], Failure> {
        switch open(path, O_RDONLY) {
        case .failure(let f): return .failure(f)
        case .success(let fd):
            defer { close(fd) }
            var out: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while out.count < limit {
                let want = min(chunk.count, limit - out.count)
                let r = chunk.withUnsafeMutableBytes { read(fd, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<want])) }
                switch r {
                case .failure(let f): return .failure(Failure("read \(path)", f.errno))
                case .success(0): return .success(out)
                case .success(let n): out += chunk[0..<n]
                }
            }
            return .success(out)
        }
    }

    // MARK: file metadata

    /// lstat(2) / stat(2). Policy: never blocks on EINTR in practice; not retried.
    public static func stat(_ path: String, follow: Bool = true) -> Glibc.stat? {
        var st = Glibc.stat()
        let r = fstatat(AT_FDCWD, path, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW)
        return r == 0 ? st : nil
    }

    public static func isDirectory(_ st: Glibc.stat) -> Bool { (st.st_mode & S_IFMT) == S_IFDIR }
    public static func isSymlink(_ st: Glibc.stat) -> Bool { (st.st_mode & S_IFMT) == S_IFLNK }
    public static func isRegular(_ st: Glibc.stat) -> Bool { (st.st_mode & S_IFMT) == S_IFREG }

    /// realpath(3). Policy: no EINTR (path walk only).
    public static func realpath(_ path: String) -> String? {
        guard let p = Glibc.realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// readlink(2). Policy: no EINTR.
    public static func readlink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = Glibc.readlink(path, &buf, Int(PATH_MAX))
        guard n >= 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// getcwd(3); nil when the current directory is gone or unreachable.
    public static func currentDirectory() -> String? {
        guard let p = getcwd(nil, 0) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// access(X_OK) with the supervisor's credentials: only a hint for PATH search (the sandbox decides).
    public static func isExecutableFile(_ path: String) -> Bool {
        guard let st = stat(path), isRegular(st) else { return false }
        return Glibc.access(path, X_OK) == 0
    }

    // MARK: processes

    /// waitpid(2). Policy: retry (a forwarded signal interrupts the wait; nothing happened yet).
    public static func waitpid(_ pid: pid_t) -> Result<Int32, Failure> {
        var status: Int32 = 0
        while true {
            let r = Glibc.waitpid(pid, &status, __WALL)
            if r == pid { return .success(status) }
            if r < 0 && errno == EINTR { continue }
            return .failure(Failure("waitpid", r < 0 ? errno : ECHILD))
        }
    }

    /// waitpid(2) with WNOHANG: reaps `pid` if it has exited, else leaves it. Policy: never blocks; EINTR
    /// retried.
    public static func reapIfExited(_ pid: pid_t) {
        var status: Int32 = 0
        while Glibc.waitpid(pid, &status, __WALL | WNOHANG) < 0 && errno == EINTR {}
    }

    /// A detached, idmapped copy of the mount at `path`: files of host uid/gid 0 appear as `uid`/`gid`
    /// (contain_sys_idmapped_tree). Policy: never blocks for long (it waits for its own short-lived helper).
    public static func idmappedTree(_ path: String, uid: UInt32, gid: UInt32) -> Result<Int32, Failure> {
        let fd = contain_sys_idmapped_tree(path, uid, gid)
        return fd >= 0 ? .success(fd) : .failure(Failure("idmapped bind of \(path)", errno))
    }

    /// kill(2). Policy: once (never blocks).
    public static func kill(_ pid: pid_t, _ sig: Int32) { _ = Glibc.kill(pid, sig) }

    /// pidfd_open(2). Policy: never blocks.
    public static func pidfdOpen(_ pid: pid_t) -> Result<Int32, Failure> {
        let r = contain_sys_pidfd_open(pid)
        return r >= 0 ? .success(r) : .failure(Failure("pidfd_open", errno))
    }

    /// pidfd_getfd(2): a copy of descriptor `fd` of the process behind `pidfd` (close-on-exec set).
    /// Policy: never blocks.
    public static func pidfdGetfd(_ pidfd: Int32, _ fd: Int32) -> Result<Int32, Failure> {
        let r = contain_sys_pidfd_getfd(pidfd, fd)
        return r >= 0 ? .success(r) : .failure(Failure("pidfd_getfd", errno))
    }

    /// getrlimit(2): (soft, hard).
    public static func rlimit(_ resource: Int32) -> (UInt64, UInt64) {
        var rl = Glibc.rlimit()
        _ = getrlimit(__rlimit_resource_t(UInt32(resource)), &rl)
        return (UInt64(rl.rlim_cur), UInt64(rl.rlim_max))
    }

    // MARK: kernel features

    /// The Landlock ABI version the kernel offers; 0 when Landlock is absent or disabled at boot.
    /// Policy: never blocks.
    public static func landlockABI() -> Int {
        let r = contain_sys_landlock_abi()
        return r > 0 ? Int(r) : 0
    }

    /// Whether seccomp can send calls to a supervisor (SECCOMP_RET_USER_NOTIF, Linux 5.0+).
    public static func seccompUserNotifAvailable() -> Bool { contain_sys_seccomp_user_notif_available() == 0 }

    /// The highest capability number this kernel knows (the bounding set is dropped up to it).
    public static func lastCapability() -> UInt64 {
        if case .success(let bytes) = readFile("/proc/sys/kernel/cap_last_cap", limit: 32),
           let n = UInt64(String(decoding: bytes, as: UTF8.self).filter { $0.isNumber }) {
            return n
        }
        return 63 // unknown numbers fail with EINVAL in the child, which ignores exactly that
    }

    public static var euid: uid_t { geteuid() }
    public static var egid: gid_t { getegid() }
}
