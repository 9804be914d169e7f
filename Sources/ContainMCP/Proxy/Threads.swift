// A joinable thread with an explicit stack size: the strict parser recurses up to its depth limit, and
// the default stack of a secondary thread is not something to count on.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

final class ThreadBody: @unchecked Sendable {
    // Only touched by the spawning thread before pthread_create and by the new thread after.
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

enum Threads {
    static let stackSize = 16 << 20

    /// Starts `body` on a new thread; nil when the thread could not be created.
    static func spawn(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, stackSize)
        let box = Unmanaged.passRetained(ThreadBody(body))
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, { arg in
            guard let arg else { return nil }
            let b = Unmanaged<ThreadBody>.fromOpaque(arg).takeRetainedValue()
            b.body()
            return nil
        }, box.toOpaque())
        if rc != 0 { box.release(); return nil }
        return tid
    }

    static func join(_ t: pthread_t) { _ = pthread_join(t, nil) }
}
