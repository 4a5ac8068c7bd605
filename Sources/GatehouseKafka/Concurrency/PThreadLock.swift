#if canImport(Glibc)
    import Glibc
#endif

/// State behind a plain (adaptive, non-priority-inheriting) pthread mutex.
///
/// The standard library's `Mutex` uses priority-inheritance futexes on Linux, which enter the kernel on
/// every contended acquisition. The producer's state is touched by every sender and by the
/// delivery-report thread, for a few hundred nanoseconds each time; a mutex that spins briefly before
/// sleeping measured markedly faster there (see bench/README.md).
///
/// The state lives behind a pointer rather than in a stored `var`: the lock already makes access
/// exclusive, and a class's stored `var` would pay a dynamic exclusivity check on every `withLock`.
final class PThreadLock<State>: @unchecked Sendable {
    // @unchecked: `state` is only reached inside `withLock`, under `mutex`. The mutex lives in its own
    // allocation, because a pthread mutex must not move and a stored property's address is not stable.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let state: UnsafeMutablePointer<State>

    init(_ state: consuming State) {
        self.state = .allocate(capacity: 1)
        self.state.initialize(to: state)
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state.pointee)
    }
}
