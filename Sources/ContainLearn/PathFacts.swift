// What the profile writer needs to know about host paths: whether they exist, what they are, where symlinks
// lead, and which program the kernel loads for an executable. The kernel opens an ELF interpreter
// (PT_INTERP) and a script's `#!` interpreter inside execve, where no syscall of the process names them, so
// learn mode would otherwise miss exactly the files every exec needs.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum PathKind: Sendable, Equatable { case missing, file, directory, symlink, other }

public protocol PathFacts: Sendable {
    /// What `path` itself is (symlinks not followed).
    func kind(_ path: String) -> PathKind
    /// The path with every symlink resolved; nil when it does not resolve.
    func resolved(_ path: String) -> String?
    /// Files the kernel opens when `path` is execve'd: the ELF interpreter or the `#!` interpreter.
    func loaderFiles(ofExecutable path: String) -> [String]
    /// The file starts with the ELF magic (a shared object mapped as code needs execute rights).
    func isELF(_ path: String) -> Bool
}

/// The real file system of the host learn mode ran on.
public struct HostPathFacts: PathFacts {
    public init() {}

    public func kind(_ path: String) -> PathKind {
        var st = stat()
        // lstat is not interrupted by signals (no EINTR policy needed).
        guard lstat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    public func resolved(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    public func isELF(_ path: String) -> Bool {
        let head = readHead(path, count: 4)
        return head == [0x7f, 0x45, 0x4c, 0x46]
    }

    public func loaderFiles(ofExecutable path: String) -> [String] {
        let head = readHead(path, count: 256)
        if head.count > 2, head[0] == 0x23, head[1] == 0x21 { // "#!"
            let line = head.dropFirst(2).prefix { $0 != 0x0a }
            let text = String(decoding: line, as: UTF8.self).trimmingSpaces
            guard let interp = text.split(separator: " ").first, interp.hasPrefix("/") else { return [] }
            return [String(interp)]
        }
        return elfInterpreter(path).map { [$0] } ?? []
    }

    /// PT_INTERP of a 64-bit little-endian ELF file (the only kind this build runs).
    func elfInterpreter(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        func readAt(_ off: Int, _ n: Int) -> [UInt8]? {
            var buf = [UInt8](repeating: 0, count: n)
            // pread on a regular file is not interrupted by signals; a short read means a truncated file.
            let got = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, n, off_t(off)) }
            return got == n ? buf : nil
        }
        guard let eh = readAt(0, 64), eh[0] == 0x7f, eh[1] == 0x45, eh[2] == 0x4c, eh[3] == 0x46,
              eh[4] == 2 /* ELFCLASS64 */, eh[5] == 1 /* little-endian */ else { return nil }
        func u(_ b: [UInt8], _ o: Int, _ n: Int) -> Int {
            var v = 0
            for i in (0..<n).reversed() { v = v << 8 | Int(b[o + i]) }
            return v
        }
        let phoff = u(eh, 32, 8), phentsize = u(eh, 54, 2), phnum = u(eh, 56, 2)
        guard phentsize >= 56, phnum < 256 else { return nil }
        for i in 0..<phnum {
            guard let ph = readAt(phoff + i * phentsize, 56) else { return nil }
            guard u(ph, 0, 4) == 3 /* PT_INTERP */ else { continue }
            let off = u(ph, 8, 8), size = u(ph, 32, 8)
            guard size > 1, size < 4096, let s = readAt(off, size) else { return nil }
            return String(decoding: s.prefix { $0 != 0 }, as: UTF8.self)
        }
        return nil
    }

    private func readHead(_ path: String, count: Int) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return [] }
        var buf = [UInt8](repeating: 0, count: count)
        // A regular file's read is not interrupted by signals.
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, count) }
        return n > 0 ? Array(buf.prefix(n)) : []
    }
}
