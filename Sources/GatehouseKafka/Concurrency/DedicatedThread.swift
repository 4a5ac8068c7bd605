internal import CRdKafka
import Dispatch
import Foundation
import Synchronization

/// An OS thread of its own, for loops that block (in librdkafka, or on the outbox's disk writes), with
/// an awaitable join.
///
/// Blocking calls never run on Swift's cooperative pool: a thread blocked in `rd_kafka_queue_poll`
/// would starve every task in the process.
package final class DedicatedThread: Sendable {
    private struct State {
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let finishedSignal = DispatchSemaphore(value: 0)

    private init() {}

    /// Starts `body` on a new thread named `name`.
    package static func start(name: String, _ body: @escaping @Sendable () -> Void) -> DedicatedThread {
        let thread = DedicatedThread()
        // As `top -H`, `perf` and `/proc/PID/task/*/comm` show it. Linux keeps 15 bytes of a thread's
        // name and refuses a longer one outright; Foundation's `Thread.name` does not name the thread.
        let shortName = String(decoding: name.utf8.prefix(15), as: UTF8.self)
        let native = Thread {
            _ = CRdKafka_name_current_thread(shortName)
            body()
            thread.markFinished()
        }
        native.stackSize = 1 << 20
        native.start()
        return thread
    }

    private func markFinished() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        finishedSignal.signal()
        for waiter in waiters { waiter.resume() }
    }

    /// Waits for the thread's body to return.
    func join() async {
        await withCheckedContinuation { continuation in
            let finished = state.withLock { state in
                if !state.finished { state.waiters.append(continuation) }
                return state.finished
            }
            if finished { continuation.resume() }
        }
    }

    /// Runs a blocking call on a Dispatch worker thread and awaits its result.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }
}
