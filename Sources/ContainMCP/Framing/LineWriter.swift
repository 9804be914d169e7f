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
    static let newline: StaticString = "\n"
    /// Linux's IOV_MAX.
    static let maxIOV = 1024

    init(fd: Int32) { state = Mutex(State(fd: fd, open: true, failedErrno: nil)) }

    static var newlineBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: newline.utf8Start, count: 1)
    }

    /// Writes `line` (which must not contain a newline) followed by a newline.
    @discardableResult
    func writeLine(_ line: UnsafeRawBufferPointer) -> Bool {
        write([line, LineWriter.newlineBytes])
    }

    @discardableResult
    func writeLine(_ line: [UInt8]) -> Bool {
        line.withUnsafeBytes { writeLine($0) }
    }

    /// Writes the parts in order, as one unit under the lock (each part a whole line or line pieces).
    @discardableResult
    func write(_ parts: [UnsafeRawBufferPointer]) -> Bool {
        state.withLock { s in
            guard s.open, s.failedErrno == nil else { return false }
            var iov = parts.filter { $0.count > 0 }.map {
                iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count)
            }
            var first = 0
            while first < iov.count {
                let n = iov.withUnsafeMutableBufferPointer { p -> Int in
                    guard let base = p.baseAddress else { return 0 }
                    return writev(s.fd, base + first, Int32(min(LineWriter.maxIOV, p.count - first)))
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    s.failedErrno = errno
                    return false
                }
                // Partial write: step over what the kernel took.
                var left = n
                while left > 0 && first < iov.count {
                    if left >= iov[first].iov_len {
                        left -= iov[first].iov_len
                        first += 1
                    } else {
                        iov[first].iov_base = iov[first].iov_base.map { $0 + left }
                        iov[first].iov_len -= left
                        left = 0
                    }
                }
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

/// Lines bound for one writer, gathered while more complete lines are already buffered on the reading
/// side, then written with one writev. Under a pipelining peer this turns a syscall (and a wake-up of the
/// other process) per message into one per read. A line never waits for input that has not arrived: the
/// loop flushes before every read that could block, and before the reader moves its buffer.
final class OutputBatch {
    let writer: LineWriter
    private var parts: [UnsafeRawBufferPointer] = []
    /// Copies of lines the wall wrote itself, freed after the flush.
    private var owned: [UnsafeMutableRawBufferPointer] = []
    private var bytes = 0
    static let flushBytes = 1 << 20
    static let flushParts = 256
    /// A pipe's default capacity: a write of more than this waits for the reader.
    static let probeAbove = 64 << 10

    /// Bytes gathered and not yet written.
    var pendingBytes: Int { bytes }
    /// Runs before each write of the batch (the client loop lists the calls being sent as in flight).
    private let beforeWrite: (() -> Void)?

    init(_ writer: LineWriter, beforeWrite: (() -> Void)? = nil) {
        self.writer = writer
        self.beforeWrite = beforeWrite
        parts.reserveCapacity(OutputBatch.flushParts + 2)
    }

    deinit { flush() }

    /// Bytes that end with a newline and stay valid until the next flush (a slice of the reader's buffer).
    func addWire(_ wire: UnsafeRawBufferPointer) { add(wire) }

    /// Bytes of a line without its newline, valid until the next flush.
    func addLine(_ content: UnsafeRawBufferPointer) { add(content); add(LineWriter.newlineBytes) }

    /// A line the wall made (copied, so the caller's array may go).
    func addOwned(_ line: [UInt8]) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: line.count + 1, alignment: 1)
        line.withUnsafeBytes { copy.copyMemory(from: $0) }
        copy[line.count] = 0x0A
        owned.append(copy)
        add(UnsafeRawBufferPointer(copy))
    }

    private func add(_ p: UnsafeRawBufferPointer) {
        parts.append(p)
        bytes += p.count
        if bytes >= OutputBatch.flushBytes || parts.count >= OutputBatch.flushParts { flush() }
    }

    func flush() {
        if !parts.isEmpty {
            beforeWrite?()
            writer.write(parts)
        }
        parts.removeAll(keepingCapacity: true)
        bytes = 0
        for o in owned { o.deallocate() }
        owned.removeAll(keepingCapacity: true)
    }
}
