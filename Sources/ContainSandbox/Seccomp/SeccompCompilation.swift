// The seccomp compile on its own thread, so that `contain run` builds the launch plan, creates the
// namespaces and lets the child set up its view while libseccomp works (the machine has more than one
// core; the compile used to be a quarter of the start-up, all of it before clone). The launcher waits for
// the result only after the child is running, and hands the program over on a pipe
// (CONTAIN_OP_RECEIVE_SECCOMP): the child never runs its server without it.
//
// The thread only runs SeccompCompiler.compile (its own libseccomp context, its own allocations); the
// clone() that may happen meanwhile is safe because the sandbox child runs nothing but async-signal-safe C.

import ContainProfile
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public final class SeccompCompilation: Sendable {
    private let policy: SyscallPolicy
    private let mode: SeccompMode
    private let network: NetworkPolicy
    private let result = Mutex<Result<SeccompProgram, SeccompError>?>(nil)
    private let thread = Mutex<pthread_t?>(nil)

    private init(_ policy: SyscallPolicy, mode: SeccompMode, network: NetworkPolicy) {
        self.policy = policy; self.mode = mode; self.network = network
    }

    /// Starts compiling `policy` (the arguments of `SeccompCompiler.compile`). Should no thread be
    /// available, it compiles right here: slower, never different.
    public static func start(_ policy: SyscallPolicy, mode: SeccompMode, network: NetworkPolicy = .none) -> SeccompCompilation {
        let c = SeccompCompilation(policy, mode: mode, network: network)
        let box = Unmanaged.passRetained(c).toOpaque()
        var tid = pthread_t()
        let r = pthread_create(&tid, nil, { arg in
            guard let arg else { return nil }
            let me = Unmanaged<SeccompCompilation>.fromOpaque(arg).takeRetainedValue()
            me.compileNow()
            return nil
        }, box)
        if r == 0 {
            c.thread.withLock { $0 = tid }
        } else {
            Unmanaged<SeccompCompilation>.fromOpaque(box).release()
            c.compileNow()
        }
        return c
    }

    private func compileNow() {
        let r: Result<SeccompProgram, SeccompError>
        do { r = .success(try SeccompCompiler.compile(policy, mode: mode, network: network)) } catch { r = .failure(error) }
        result.withLock { $0 = r }
    }

    /// Blocks until the compile is done; the same answer on every call.
    public func wait() -> Result<SeccompProgram, SeccompError> {
        thread.withLock { t in
            if let tid = t { pthread_join(tid, nil); t = nil }
        }
        return result.withLock { $0 } ?? .failure(.export("the compile thread ended without a result"))
    }
}
