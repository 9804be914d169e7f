// Newline-delimited framing over a raw fd, streaming. A line longer than the cap is never buffered whole:
// the reader reports it once (with the prefix it holds, so the caller can read an id for the error
// reply) and then discards bytes up to the next newline, so the next line is read exactly as sent.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum LineEvent {
    /// `content` excludes the terminating newline; `wire` is the exact bytes to forward (with the newline),
    /// or nil when the stream ended without one. Both stay valid until the next `next()`.
    case line(content: UnsafeRawBufferPointer, wire: UnsafeRawBufferPointer?)
    /// A line longer than the cap; `prefix` is its first `maxLineBytes` bytes (the same however the line
    /// was split into reads). The rest is skipped by later calls.
    case overCap(prefix: UnsafeRawBufferPointer)
    case end
    /// read/poll failed with this errno.
    case failed(Int32)
}

final class LineReader {
    static let initialCapacity = 64 << 10
    /// After a big message the buffer shrinks back, so memory does not stay at the largest line ever seen.
    static let shrinkAbove = 4 << 20

    private let fd: Int32
    private let wakeFD: Int32
    private(set) var maxLineBytes: Int
    private var buf: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0
    private var end = 0
    /// Where the newline search resumes (bytes before it in the current line have no newline).
    private var scan = 0
    private var skipping = false
    private var atEOF = false

    /// `wakeFD`: read end of a pipe; a byte written to it ends `next()` with `.end`.
    init(fd: Int32, maxLineBytes: Int, wakeFD: Int32) {
        self.fd = fd
        self.wakeFD = wakeFD
        self.maxLineBytes = max(1, maxLineBytes)
        capacity = LineReader.initialCapacity
        buf = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    }

    deinit { buf.deallocate() }

    /// A reload may change the cap; it applies from the next line on.
    func setMaxLineBytes(_ n: Int) { maxLineBytes = max(1, n) }

    /// The newline `hasBufferedLine` found, so `next()` does not search for it again.
    private var knownNewline = -1

    /// A complete line is already buffered: `next()` will return it without reading or moving the buffer.
    var hasBufferedLine: Bool {
        if skipping || end <= scan { return false }
        if knownNewline >= scan { return true }
        guard let p = memchr(buf + scan, 0x0A, end - scan) else { return false }
        knownNewline = buf.distance(to: p.assumingMemoryBound(to: UInt8.self))
        return true
    }

    /// Reads what has already arrived into the free space after the buffered bytes, without moving them
    /// (a batch may point into them) and without blocking: only when the fd reports bytes ready (FIONREAD;
    /// an fd that cannot say reads nothing here). Lets the caller gather the lines that are already
    /// waiting into one write instead of writing (and waking its peer) once per read. EINTR: retried.
    func readArrivedInPlace() -> Bool {
        guard !skipping, !atEOF, end < capacity else { return false }
        var ready: Int32 = 0
        guard ioctl(fd, UInt(FIONREAD), &ready) == 0, ready > 0 else { return false }
        while true {
            let n = read(fd, buf + end, min(capacity - end, Int(ready)))
            if n > 0 { end += n; return true }
            if n < 0 && errno == EINTR { continue }
            // End of stream or an error: left for `next()` to find and report through its own read.
            return false
        }
    }

    func next() -> LineEvent {
        while true {
            if start == end && capacity > LineReader.shrinkAbove { shrink() }
            var nl = -1
            if knownNewline >= scan && knownNewline < end {
                nl = knownNewline
            } else if end > scan, let p = memchr(buf + scan, 0x0A, end - scan) {
                nl = buf.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
            knownNewline = -1
            if nl >= 0 {
                let lineStart = start
                start = nl + 1
                scan = start
                if skipping { skipping = false; continue }
                if nl - lineStart > maxLineBytes {
                    // The whole over-long line arrived in one read: report it like a streamed one.
                    return .overCap(prefix: UnsafeRawBufferPointer(start: buf + lineStart, count: maxLineBytes))
                }
                return .line(content: UnsafeRawBufferPointer(start: buf + lineStart, count: nl - lineStart),
                             wire: UnsafeRawBufferPointer(start: buf + lineStart, count: nl + 1 - lineStart))
            }
            scan = end
            if skipping {
                start = 0; end = 0; scan = 0
            } else if end - start > maxLineBytes {
                skipping = true
                let prefix = UnsafeRawBufferPointer(start: buf + start, count: maxLineBytes)
                start = end; scan = end
                return .overCap(prefix: prefix)
            }
            if atEOF {
                if start < end && !skipping {
                    let r = UnsafeRawBufferPointer(start: buf + start, count: end - start)
                    start = end; scan = end
                    return .line(content: r, wire: nil)
                }
                return .end
            }
            makeRoom()
            switch fill() {
            case .data: continue
            case .eof: atEOF = true
            case .woken: return .end
            case .error(let e): return .failed(e)
            }
        }
    }

    private func makeRoom() {
        knownNewline = -1
        if start > 0 && (end == capacity || start >= capacity / 2) {
            let n = end - start
            if n > 0 { memmove(buf, buf + start, n) }
            end = n; scan -= start; start = 0
        }
        if end == capacity {
            // Room for a cap-sized line plus the newline, so `> maxLineBytes` is always detectable.
            let newCap = min(capacity * 2, maxLineBytes + 2)
            guard newCap > capacity else { return }
            let nb = UnsafeMutablePointer<UInt8>.allocate(capacity: newCap)
            nb.update(from: buf, count: end)
            buf.deallocate()
            buf = nb
            capacity = newCap
        }
    }

    private func shrink() {
        knownNewline = -1
        buf.deallocate()
        capacity = LineReader.initialCapacity
        buf = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        start = 0; end = 0; scan = 0
    }

    private enum Fill { case data, eof, woken, error(Int32) }

    /// poll() then read(). EINTR: both retried. The wake pipe is checked so `stop()` can end a reader
    /// blocked on a peer that never closes (closing an fd another thread reads does not wake it on Linux).
    private func fill() -> Fill {
        var fds = (pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0))
        while true {
            let r = withUnsafeMutableBytes(of: &fds) { raw in poll(raw.baseAddress?.assumingMemoryBound(to: pollfd.self), 2, -1) }
            if r < 0 {
                if errno == EINTR { continue }
                return .error(errno)
            }
            break
        }
        if fds.1.revents != 0 { return .woken }
        while true {
            let n = read(fd, buf + end, capacity - end)
            if n > 0 { end += n; return .data }
            if n == 0 { return .eof }
            if errno == EINTR { continue }
            if errno == EAGAIN { return .data }
            return .error(errno)
        }
    }
}
