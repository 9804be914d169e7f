// The supervisor's own threads (seccomp compile, notify listener, network broker connects): one place that
// boxes a Swift closure for pthread_create, so each user only says what runs and what a failure means.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A joinable pthread running one closure, or pthread_create's error code.
enum JoinableThread {
    private final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }

    static func spawn(_ body: @escaping @Sendable () -> Void) -> Result<pthread_t, PthreadError> {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var tid = pthread_t()
        let r = pthread_create(&tid, nil, { arg in
            guard let arg else { return nil }
            Unmanaged<Box>.fromOpaque(arg).takeRetainedValue().body()
            return nil
        }, box)
        if r != 0 { Unmanaged<Box>.fromOpaque(box).release(); return .failure(PthreadError(code: r)) }
        return .success(tid)
    }
}

struct PthreadError: Error { var code: Int32 }

/// A detached pthread running one closure.
enum DetachedThread {
    private final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }

    static func spawn(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        var tid = pthread_t()
        let r = pthread_create(&tid, &attr, { arg in
            guard let arg else { return nil }
            Unmanaged<Box>.fromOpaque(arg).takeRetainedValue().body()
            return nil
        }, box)
        if r != 0 { Unmanaged<Box>.fromOpaque(box).release(); return false }
        return true
    }
}

