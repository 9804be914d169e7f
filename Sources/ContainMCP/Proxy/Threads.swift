// The proxy's threads, with an explicit stack size: the strict parser recurses up to its depth limit, and
// the default stack of a secondary thread is not something to count on.

import ContainThreads
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum Threads {
    static let stackSize = 16 << 20

    /// Starts `body` on a new thread; nil when the thread could not be created.
    static func spawn(_ body: @escaping @Sendable () -> Void) -> pthread_t? {
        try? PosixThread.spawn(stackSize: stackSize, body).get()
    }

    static func join(_ t: pthread_t) { PosixThread.join(t) }
}
