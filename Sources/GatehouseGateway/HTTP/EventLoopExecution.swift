import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import Synchronization

/// Runs a connection's request handling on the connection's own NIO event loop instead of Swift's
/// cooperative pool.
///
/// Hummingbird reads a request on the event loop and hands it to a task on the cooperative pool, and
/// the answer hops back to the event loop to be written: two thread switches and an event-loop wake-up
/// per request. With the connection's task preferring the event loop as its executor, the handler runs
/// where the bytes arrived. Nothing on the gateway's request path blocks a thread: the outbox's group
/// commit and the producer's back-pressure are awaited, not waited for, so the event loop stays free.
struct EventLoopBoundChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        let executor = EventLoopTaskExecutor.for(value.channel.eventLoop)
        await withTaskExecutorPreference(executor) {
            await base.handle(value: value, logger: logger)
        }
    }
}

/// A `TaskExecutor` that runs jobs on one NIO event loop.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    private static let executors = Mutex<[ObjectIdentifier: EventLoopTaskExecutor]>([:])

    /// One executor per event loop, made on first use: an event-loop group has a fixed set of loops.
    static func `for`(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        executors.withLock { executors in
            let key = ObjectIdentifier(eventLoop)
            if let executor = executors[key] { return executor }
            let executor = EventLoopTaskExecutor(eventLoop: eventLoop)
            executors[key] = executor
            return executor
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1, with TLS when configured, each connection handled on its event loop.
    static func gateway(tls: TLSChannelConfiguration?) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let http = HTTP1Channel(responder: responder)
            guard let tls else { return EventLoopBoundChannel(base: http) }
            return EventLoopBoundChannel(base: try TLSChannel(http, configuration: tls))
        }
    }
}
