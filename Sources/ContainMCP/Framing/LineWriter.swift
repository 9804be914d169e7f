// Whole-line writes to one fd, shared by both directions of the proxy (the wall answers the client while
// forwarding server lines to it), so lines never interleave. EINTR: retried. EPIPE and other errors: the
// writer is marked broken and later writes are dropped; the caller learns it from the return value.
// SIGPIPE must be ignored by the process (ProxySession does it), or EPIPE would kill contain instead.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

final class LineWriter: Sendable {
    private struct State { var fd: Int32; var open: Bool; var failedErrno: Int32? }
    private let state: Mutex<State>
    private static let newline: [UInt8] = [0x0A]

    init(fd: Int32) { state = Mutex(State(fd: fd, open: true, failedErrno: nil)) }

    /// Writes `line` (which must not contain a newline) followed by a newline.
    @discardableResult
    func writeLine(_ line: UnsafeRawBufferPointer) -> Bool {
        LineWriter.newline.withUnsafeBytes { nl in writeParts(line, nl) }
    }

    @discardableResult
    func writeLine(_ line: [UInt8]) -> Bool {
        line.withUnsafeBytes { writeLine($0) }
    }

    /// Writes bytes that already end with a newline (a forwarded line, exactly as received).
    @discardableResult
    func writeWire(_ wire: UnsafeRawBufferPointer) -> Bool {
        writeParts(wire, UnsafeRawBufferPointer(start: nil, count: 0))
    }

    private func writeParts(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        state.withLock { s in
            guard s.open, s.failedErrno == nil else { return false }
            var iov = (iovec(iov_base: UnsafeMutableRawPointer(mutating: a.baseAddress), iov_len: a.count),
                       iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count))
            while iov.0.iov_len + iov.1.iov_len > 0 {
                let n: Int = withUnsafeMutableBytes(of: &iov) { raw in
                    let parts = raw.bindMemory(to: iovec.self)
                    let skipFirst = parts[0].iov_len == 0
                    return writev(s.fd, skipFirst ? parts.baseAddress.map { $0 + 1 } : parts.baseAddress, skipFirst ? 1 : 2)
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    s.failedErrno = errno
                    return false
                }
                // Partial write: advance past what the kernel took.
                let fromFirst = min(n, iov.0.iov_len)
                iov.0.iov_base = iov.0.iov_base.map { $0 + fromFirst }
                iov.0.iov_len -= fromFirst
                let fromSecond = n - fromFirst
                iov.1.iov_base = iov.1.iov_base.map { $0 + fromSecond }
                iov.1.iov_len -= fromSecond
            }
            return true
        }
    }

    var failed: Bool { state.withLock { $0.failedErrno != nil } }

    /// Closes the fd (the peer sees end-of-file); later writes are dropped.
    func close() {
        state.withLock { s in
            guard s.open else { return }
            s.open = false
            _ = Glibc.close(s.fd)
        }
    }
}
