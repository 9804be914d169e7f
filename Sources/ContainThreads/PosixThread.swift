// The supervisor's own threads (seccomp compile, notify listener, network broker connects, the transport
// wall's proxy and profile watcher): one place that boxes a Swift closure for pthread_create, so each user
// only says what runs, how much stack it needs and what a failure means.
//
// pthreads, not Swift concurrency: these threads block in the kernel (ioctl on a seccomp listener, read on
// a pipe, poll) for the life of a run, which a cooperative pool must never do.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// pthread_create's error code (EAGAIN: out of threads or memory for a stack).
public struct PthreadError: Error, Sendable {
    public var code: Int32
    public init(code: Int32) { self.code = code }
}

public enum PosixThread {
    // Handed to the new thread through pthread_create's void* and released there, exactly once.
    private final class Body: @unchecked Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Runs `body` on a new thread. `stackSize` nil: the default (8 MiB on glibc, but not to be counted on
    /// for deep recursion). A detached thread cannot be joined; its resources go when `body` returns.
    public static func spawn(stackSize: Int? = nil, detached: Bool = false,
                             _ body: @escaping @Sendable () -> Void) -> Result<pthread_t, PthreadError> {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        if let stackSize { pthread_attr_setstacksize(&attr, stackSize) }
        if detached { pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED)) }
        let box = Unmanaged.passRetained(Body(body))
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, { arg in
            guard let arg else { return nil }
            Unmanaged<Body>.fromOpaque(arg).takeRetainedValue().run()
            return nil
        }, box.toOpaque())
        if rc != 0 { box.release(); return .failure(PthreadError(code: rc)) }
        return .success(tid)
    }

    /// Waits for a joinable thread to end.
    public static func join(_ thread: pthread_t) { _ = pthread_join(thread, nil) }
}
