import Foundation
public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization

/// Publishes messages to Kafka through librdkafka, and tells each caller what became of its message.
///
/// Delivery reports come from librdkafka's event queue, served by a dedicated thread that blocks on it,
/// so an acknowledgement reaches the waiting task as soon as librdkafka has it. When librdkafka's queue
/// is full, senders wait in order; nothing is dropped. After a fatal error (librdkafka 2.0.2's idempotent
/// producer can raise one after a broker disconnect) the producer recreates its librdkafka instance and
/// sends every unacknowledged message again.
///
/// Values are handed to librdkafka without a copy: it reads each from the message's array, which the
/// producer keeps until the message's outcome is known. The caller may drop or change its own copy at
/// once; arrays are copy-on-write, so a change makes a new array.
///
/// Run it in a `ServiceGroup`, or call ``shutdown()`` yourself: shutdown delivers what was sent before it
/// or reports each such message as failed.
///
/// ```swift
/// let producer = try KafkaProducer(configuration: .init(bootstrapServers: ["localhost:9092"]), logger: logger)
/// let report = try await producer.send(KafkaProducerMessage(topic: "signups", key: "k", value: "{}"))
/// print(report.topicPartition, report.offset ?? -1)
/// ```
public final class KafkaProducer: Service, Sendable {
    /// Receives the outcome of one message, on the producer's event thread. Keep it short. (A message
    /// of a batch that librdkafka rejects outright is reported on the enqueuing task, before
    /// ``enqueue(contentsOf:onDelivery:)`` returns.)
    public typealias DeliveryHandler = @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void

    let configuration: KafkaProducerConfiguration
    let logger: Logger
    let state: PThreadLock<StateMachine>
    let metrics: KafkaProducerMetrics
    private let shutdownDone = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Creates a producer and starts its event thread.
    ///
    /// - Throws: ``KafkaError`` with code ``KafkaError/Code/configuration`` naming the rejected property.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = KafkaProducerMetrics()
        let client = try Self.makeClient(configuration)
        let loop = EventLoopControl(client: client)
        self.state = PThreadLock(StateMachine(client: client, loop: loop, backlogAllowance: configuration.queueCapacity / 10))
        startEventLoop(loop, client: client, generation: 0)
    }

    static func makeClient(_ configuration: KafkaProducerConfiguration) throws(KafkaError) -> RDKafkaClient {
        try RDKafkaClient(
            kind: .producer,
            properties: configuration.librdkafkaProperties,
            events: RDKafkaEvent.deliveryReportBit | RDKafkaEvent.errorBit | RDKafkaEvent.logBit
                | RDKafkaEvent.statisticsBit
        )
    }

    /// Sends a message and waits for the broker's acknowledgement.
    ///
    /// Waits while librdkafka's queue is full. Once the message is handed to librdkafka, cancelling the
    /// task no longer withdraws it, and the call still waits for its outcome.
    ///
    /// - Returns: Where the message was written.
    /// - Throws: ``KafkaError``; its ``KafkaError/isSafeToRetry`` says whether sending again could
    ///   duplicate the message. `CancellationError` if cancelled while waiting for room.
    nonisolated(nonsending) public func send(_ message: KafkaProducerMessage) async throws -> KafkaDeliveryReport {
        let promise = DeliveryPromise()
        _ = try await enqueue(message) { promise.fulfil($0) }
        return try await promise.value
    }

    /// Hands a message to the producer and returns as soon as it is queued, leaving its outcome to
    /// `onDelivery`. This is the pipelined form: a publisher keeps thousands of messages in flight and
    /// learns each outcome. Calls from one task keep their order.
    ///
    /// `onDelivery` runs exactly once for every message this returns an id for.
    ///
    /// - Throws: ``KafkaError`` if the producer is shutting down or librdkafka rejects the message
    ///   outright; `CancellationError` if cancelled while waiting for room. Then `onDelivery` never runs.
    @discardableResult
    nonisolated(nonsending) public func enqueue(
        _ message: consuming KafkaProducerMessage,
        onDelivery: @escaping DeliveryHandler
    ) async throws -> KafkaMessageID {
        try await enqueue(message, to: KafkaDeliveryRecipient(onDelivery))
    }

    /// Hands a message to the producer and returns as soon as it is queued, leaving its outcome to
    /// `recipient`, which may receive the outcomes of many messages. Otherwise the same as
    /// ``enqueue(_:onDelivery:)``: the recipient's handler runs exactly once for every message this
    /// returns an id for, and never if this throws.
    @discardableResult
    nonisolated(nonsending) public func enqueue(
        _ message: consuming KafkaProducerMessage,
        to recipient: KafkaDeliveryRecipient
    ) async throws -> KafkaMessageID {
        // Moved, not copied, into the producer's slot: a copy costs a retain and a release per array.
        var message = Optional(message)
        switch enqueuing(appending: 1, { $0.enqueue(message.take()!, recipient: recipient) }) {
        case .sent(let id):
            return KafkaMessageID(id)
        case .rejected(let error):
            throw error
        case .mustWait(let id):
            try await waitForRoom(id, cancellable: true)
            return KafkaMessageID(id)
        }
    }

    /// Hands a batch of messages to the producer under one lock acquisition, and returns once all are
    /// queued. The fastest way to publish many messages.
    ///
    /// `onDelivery` runs exactly once per message, with the message's id in the report (or in the
    /// error's context); a message librdkafka rejects outright is reported there as a failure.
    ///
    /// Waits while the producer is full; cancellation does not withdraw messages of a batch.
    ///
    /// - Returns: The ids, in the order of `messages`.
    /// - Throws: ``KafkaError`` if the producer is shutting down (then nothing was enqueued).
    @discardableResult
    nonisolated(nonsending) public func enqueue(
        contentsOf messages: some Collection<KafkaProducerMessage> & Sendable,
        onDelivery: @escaping DeliveryHandler
    ) async throws -> [KafkaMessageID] {
        try await enqueue(contentsOf: messages, to: KafkaDeliveryRecipient(onDelivery))
    }

    /// Hands a batch of messages to the producer under one lock acquisition, leaving their outcomes to
    /// `recipient`. Otherwise the same as ``enqueue(contentsOf:onDelivery:)``.
    @discardableResult
    nonisolated(nonsending) public func enqueue(
        contentsOf messages: some Collection<KafkaProducerMessage> & Sendable,
        to recipient: KafkaDeliveryRecipient
    ) async throws -> [KafkaMessageID] {
        let enqueued = enqueuing(appending: messages.count) { $0.enqueue(contentsOf: messages, recipient: recipient) }
        guard let (ids, lastWaiting, failures) = enqueued else {
            throw KafkaError.shutDown("the producer is shutting down; \(messages.count) messages not sent")
        }
        for failure in failures { recipient.handler(.failure(failure)) }
        if let lastWaiting { try await waitForRoom(lastWaiting, cancellable: false) }
        return ids.map(KafkaMessageID.init)
    }

    /// Runs an enqueue under the lock, and releases what the settled slots emptied there held (see
    /// `StateMachine.reclaimForSender`) on this sending thread, outside the lock.
    private func enqueuing<T>(appending count: Int, _ body: (inout StateMachine) -> T) -> T {
        let (result, reclaimed) = state.withLock { (body(&$0), $0.reclaimForSender(appended: count)) }
        for item in reclaimed { item.release() }
        return result
    }

    /// Waits until the backlog has room again, or backlog entry `id` has moved on.
    private func waitForRoom(_ id: UInt64, cancellable: Bool) async throws {
        metrics.queueFullWaits.increment()
        defer { state.withLock { $0.endWait(id) } }
        guard cancellable else {
            try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
                if let now = state.withLock({ $0.registerWaiter(waiter, for: id) }) {
                    waiter.resume(with: now)
                }
            }
            return
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
                if let now = state.withLock({ $0.registerWaiter(waiter, for: id) }) {
                    waiter.resume(with: now)
                }
            }
        } onCancel: {
            state.withLock { $0.cancelWaiting(id) }?()
        }
    }

    /// Messages accepted whose outcome is not known yet.
    public var outstandingCount: Int {
        state.withLock { $0.entries.count }
    }

    /// Runs until graceful shutdown, then flushes and stops.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops accepting messages, waits up to the configured shutdown timeout for every outstanding
    /// delivery while the event thread keeps serving reports, then purges what is left and reports each
    /// purged message as failed. Safe to call more than once.
    public func shutdown() async {
        let first = state.withLock { state in
            defer { state.accepting = false }
            return state.accepting
        }
        guard first else {
            await waitForShutdown()
            return
        }
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.shutdownTimeout
        while state.withLock({ !$0.entries.isEmpty }), clock.now < deadline {
            let client = state.withLock { $0.client }
            let remaining = Int32(clamping: (deadline - clock.now).milliseconds)
            _ = await DedicatedThread.run { client.flush(timeoutMilliseconds: max(remaining, 1)) }
        }
        let leftover = state.withLock { $0.entries.count }
        if leftover > 0 {
            logger.warning(
                "Producer shutdown timed out; purging undelivered messages",
                metadata: [KafkaLoggingKeys.count: "\(leftover)"]
            )
            let client = state.withLock { $0.client }
            client.purgeAll()
            // Purged messages come back as delivery reports with a purge error; let the loop settle them.
            _ = await DedicatedThread.run { client.flush(timeoutMilliseconds: 2000) }
        }
        let ((failed, actions), loop) = state.withLock { state in
            state.finished = true
            return (state.failAll(.shutDown("the producer shut down before this message was delivered")), state.loop)
        }
        metrics.failed.increment(by: failed)
        for action in actions { action() }
        // Nothing is outstanding now; what the settled slots hold is released here.
        for recipient in state.withLock({ $0.entries.reclaim(atLeast: 1) }) { recipient.release() }
        await loop.stop()
        metrics.outstanding.record(0)
        let waiters = shutdownDone.withLock { state in
            state.done = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func waitForShutdown() async {
        await withCheckedContinuation { continuation in
            let done = shutdownDone.withLock { state in
                if !state.done { state.waiters.append(continuation) }
                return state.done
            }
            if done { continuation.resume() }
        }
    }

    /// Raises a fatal error in the current librdkafka instance, as librdkafka's tests do, to exercise
    /// recovery.
    @_spi(Testing)
    public func injectFatalError(reason: String = "injected by a test") {
        let client = state.withLock { $0.client }
        // OUT_OF_ORDER_SEQUENCE_NUMBER (45) is the error behind 2.0.2's real fatal-sequence bug.
        client.raiseFatalError(code: 45, reason: reason)
    }

    /// How many times the librdkafka instance was recreated after a fatal error.
    @_spi(Testing)
    public var generation: Int {
        state.withLock { $0.generation }
    }

    deinit {
        let (loop, recipients) = state.withLock { state in
            // Dropped without shutdown: librdkafka may still read the payloads of messages it holds
            // until its instance, which outlives this object on the event thread, is destroyed.
            state.client.retainUntilDestroyed(state.handedOver)
            return (state.loop, state.entries.removeAll())
        }
        for recipient in recipients { recipient.release() }
        loop.requestStop()
    }
}

/// A one-shot slot for a delivery outcome that may arrive before or after someone waits for it.
final class DeliveryPromise: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<KafkaDeliveryReport, any Error>)
        case fulfilled(Result<KafkaDeliveryReport, KafkaError>)
    }

    private let state = Mutex(State.empty)

    func fulfil(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        let waiter: CheckedContinuation<KafkaDeliveryReport, any Error>? = state.withLock { state in
            if case .waiting(let waiter) = state {
                state = .fulfilled(result)
                return waiter
            }
            state = .fulfilled(result)
            return nil
        }
        waiter?.resume(with: result.mapError { $0 as any Error })
    }

    nonisolated(nonsending) var value: KafkaDeliveryReport {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<KafkaDeliveryReport, KafkaError>? = state.withLock { state in
                    if case .fulfilled(let result) = state { return result }
                    state = .waiting(continuation)
                    return nil
                }
                if let ready { continuation.resume(with: ready.mapError { $0 as any Error }) }
            }
        }
    }
}
