// Reads a blocked target's memory and /proc entries for reports. What is read here never decides a
// verdict (the filter and the plan do); it only describes the call, and the listener checks
// SECCOMP_IOCTL_NOTIF_ID_VALID afterwards so text read from a recycled pid is thrown away.

import CSeccomp
#if canImport(Glibc)
import Glibc
#endif

enum ProcessMemory {
    static let pageSize = 4096
    static let maxString = 4096
    static let firstRead = 256

    /// A NUL-terminated string at `addr` in `pid`, read page by page so a string ending just before an
    /// unmapped page still reads. nil when unreadable; truncated strings end with "…".
    static func string(pid: Int32, addr: UInt64, max: Int = maxString) -> String? {
        guard addr != 0 else { return nil }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: pageSize)
        var at = addr
        // Most paths are short: a small first read avoids copying a page per notification in a loop.
        var step = firstRead
        while out.count < max {
            let toBoundary = pageSize - Int(at % UInt64(pageSize))
            let want = Swift.min(toBoundary, max - out.count, step)
            step = pageSize
            let n = chunk.withUnsafeMutableBytes { contain_read_process_memory(pid, at, $0.baseAddress, want) }
            if n <= 0 { return out.isEmpty ? nil : String(decoding: out, as: UTF8.self) + "…" }
            if let nul = chunk[0..<n].firstIndex(of: 0) {
                out.append(contentsOf: chunk[0..<nul])
                return String(decoding: out, as: UTF8.self)
            }
            out.append(contentsOf: chunk[0..<n])
            at &+= UInt64(n)
        }
        return String(decoding: out, as: UTF8.self) + "…"
    }

    /// `len` bytes at `addr` (for struct arguments such as a sockaddr). nil unless all were read.
    static func bytes(pid: Int32, addr: UInt64, len: Int) -> [UInt8]? {
        guard addr != 0, len > 0, len <= 65536 else { return nil }
        var buf = [UInt8](repeating: 0, count: len)
        let n = buf.withUnsafeMutableBytes { contain_read_process_memory(pid, addr, $0.baseAddress, len) }
        return n == len ? buf : nil
    }

    /// readlink(2) of a /proc entry ("/proc/PID/exe", "/proc/PID/cwd", "/proc/PID/fd/N").
    static func link(_ path: String) -> String? {
        var buf = [UInt8](repeating: 0, count: 4097)
        let n = buf.withUnsafeMutableBytes { b -> Int in
            guard let p = b.baseAddress?.assumingMemoryBound(to: CChar.self) else { return -1 }
            return readlink(path, p, 4096)
        }
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n], as: UTF8.self)
    }

    static func exe(pid: Int32) -> String? { link("/proc/\(pid)/exe") }
}
