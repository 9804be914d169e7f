// The seccomp compile on its own thread, so that the plan is built and the sandbox child sets up its
// namespaces and view while libseccomp works (the compile used to be a quarter of `contain run`'s
// start-up). `contain run` starts it as soon as the profile is loaded (the sandbox child, cloned before
// main, shares none of the pages it allocates; the launcher starts it once the child has its plan if
// nobody did), waits for the result only when the child is about to need it, and hands the program over
// on a pipe (CONTAIN_OP_RECEIVE_SECCOMP): the child never runs its server without it.
//
// A shipped profile's precompiled program is looked up at once instead (no thread). The thread only runs
// SeccompCompiler.compile (its own libseccomp context, its own allocations); the clone() that may happen
// meanwhile is safe because the sandbox child runs nothing but async-signal-safe C.

import ContainProfile
import ContainThreads
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public final class SeccompCompilation: Sendable {
    private enum Thread: Sendable { case notStarted, running(pthread_t), joined }
    private let policy: SyscallPolicy
    private let mode: SeccompMode
    private let network: NetworkPolicy
    private let result = Mutex<Result<SeccompProgram, SeccompError>?>(nil)
    private let thread = Mutex<Thread>(.notStarted)

    /// A compile of `policy` (the arguments of `SeccompCompiler.compile`) that has not started: `begin()`
    /// starts it (`contain run` does once the profile is loaded, else the launcher), `wait()` runs it here if
    /// nobody did.
    public init(_ policy: SyscallPolicy, mode: SeccompMode, network: NetworkPolicy = .none) {
        self.policy = policy; self.mode = mode; self.network = network
        // A shipped profile's program is only looked up (tens of microseconds): no thread for that.
        if let shipped = SeccompCompiler.precompiled(policy, mode: mode, network: network) {
            result.withLock { $0 = .success(shipped) }
            thread.withLock { $0 = .joined }
        }
    }

    /// A compile that is already running on its own thread.
    public static func start(_ policy: SyscallPolicy, mode: SeccompMode, network: NetworkPolicy = .none) -> SeccompCompilation {
        let c = SeccompCompilation(policy, mode: mode, network: network)
        c.begin()
        return c
    }

    /// Starts the compile thread unless it started already. Should no thread be available, `wait()`
    /// compiles on the caller's thread: slower, never different.
    public func begin() {
        thread.withLock { t in
            guard case .notStarted = t else { return }
            // No thread: wait() compiles on the caller's thread instead.
            if case .success(let tid) = PosixThread.spawn({ self.compileNow() }) { t = .running(tid) }
        }
    }

    private func compileNow() {
        let r: Result<SeccompProgram, SeccompError>
        do { r = .success(try SeccompCompiler.compile(policy, mode: mode, network: network)) } catch { r = .failure(error) }
        result.withLock { $0 = r }
    }

    /// Blocks until the compile is done; the same answer on every call.
    public func wait() -> Result<SeccompProgram, SeccompError> {
        // Under the lock, so a second caller waits for the same compile instead of finding no result.
        thread.withLock { t in
            switch t {
            case .running(let tid):
                pthread_join(tid, nil)
            case .joined:
                break
            case .notStarted:
                compileNow() // no thread was started: compile here, and begin() is a no-op from now on
            }
            t = .joined
        }
        return result.withLock { $0 } ?? .failure(.export("the compile thread ended without a result"))
    }
}
