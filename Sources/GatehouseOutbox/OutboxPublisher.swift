public import GatehouseKafka
public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization

/// Drains the outbox to Kafka in order and marks what the brokers acknowledged.
///
/// Records are handed to the producer in sequence order, so one user's events keep their order (the
/// producer is idempotent and keeps per-partition order, even across its own recreation). After a crash
/// the publisher starts again from the first unmarked record; records that were acknowledged but not yet
/// marked go out a second time with the same event id, which consumers ignore.
public final class OutboxPublisher: Service, Sendable {
    private let outbox: SQLiteOutbox
    private let producer: KafkaProducer
    private let logger: Logger
    private let batchSize: Int
    private let maxInFlight: Int
    private let shutdownStallTimeout: Duration
    private let shutdown = ShutdownFlag()
    private let state = Mutex(State())
    private let published = Counter(label: "gatehouse_events_published_total")
    private let failed = Counter(label: "gatehouse_events_publish_failed_total")
    private let oldestAge = Gauge(label: "gatehouse_outbox_oldest_age_seconds")

    private struct State {
        var inFlight = 0
        var acknowledged: [Int64] = []
        var failedFrom: Int64?
        /// Resumed with `false` when the shutdown drain gives up.
        var roomWaiter: CheckedContinuation<Bool, Never>?
        /// Outcomes received so far: during shutdown, whether the brokers still acknowledge anything.
        var settled = 0
        /// The shutdown drain saw no outcome for `shutdownStallTimeout`: stop waiting for room.
        var givenUp = false
    }

    /// Creates a publisher. It starts when run.
    ///
    /// - Parameter shutdownStallTimeout: at graceful shutdown the publisher drains the outbox while the
    ///   brokers acknowledge; once none has for this long (they are unreachable), it stops and leaves
    ///   the rest in the outbox for the next start.
    public init(
        outbox: SQLiteOutbox,
        producer: KafkaProducer,
        logger: Logger,
        batchSize: Int = 500,
        maxInFlight: Int = 20_000,
        shutdownStallTimeout: Duration = .seconds(10)
    ) {
        self.outbox = outbox
        self.producer = producer
        self.logger = logger
        self.batchSize = batchSize
        self.maxInFlight = maxInFlight
        self.shutdownStallTimeout = shutdownStallTimeout
    }

    /// Publishes until graceful shutdown, then drains what is left while the brokers acknowledge it,
    /// and returns: when the outbox is empty, or when nothing was acknowledged for
    /// `shutdownStallTimeout`. What is not acknowledged stays in the outbox for the next start.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.giveUpWhenTheDrainStalls() }
            group.addTask { await self.reportOldestAge() }
            await publish()
            group.cancelAll()
        }
        flushMarks()
    }

    private func publish() async {
        var cursor: Int64 = 0
        var wakeUps = outbox.committed.makeAsyncIterator()
        let shutdown = self.shutdown
        await withGracefulShutdownHandler {
            while true {
                if let failedFrom = takeFailure() {
                    // A record the broker refused: send it and everything after it again.
                    cursor = min(cursor, failedFrom - 1)
                }
                let records: [OutboxRecord]
                do {
                    records = try await outbox.unpublished(after: cursor, limit: batchSize)
                } catch {
                    logger.error("Cannot read the outbox: \(error)")
                    records = []
                }
                if records.isEmpty {
                    flushMarks()
                    if shutdown.isSet { break }
                    guard await wakeUps.next() != nil else { break }
                    continue
                }
                for record in records {
                    guard await reserveRoom() else {
                        let left = outbox.backlog.count
                        logger.warning(
                            "Shutting down with records unpublished: the brokers acknowledged nothing for \(shutdownStallTimeout); they stay in the outbox for the next start",
                            metadata: ["outbox.depth": "\(left)"]
                        )
                        flushMarks()
                        return
                    }
                    let sequence = record.sequence
                    do {
                        try await producer.enqueue(record.message) { [self] result in settle(sequence, result: result) }
                    } catch {
                        // The producer is shutting down: what is left stays in the outbox for next time.
                        state.withLock { $0.inFlight -= 1 }
                        flushMarks()
                        return
                    }
                    cursor = sequence
                }
                flushMarks()
            }
        } onGracefulShutdown: {
            shutdown.set()
            self.outbox.wakePublisher()
        }
    }

    /// Records the age of the oldest unpublished record every second until cancelled, so that the gauge
    /// keeps rising while the publisher waits (the brokers down, say) instead of keeping its last value.
    private func reportOldestAge() async {
        while !Task.isCancelled {
            let age = outbox.backlog.oldestAge ?? .zero
            oldestAge.record(Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18)
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// From graceful shutdown on, watches the outcomes; once none has arrived for
    /// `shutdownStallTimeout`, wakes the publisher from its wait for room, to stop. Ends when cancelled.
    private func giveUpWhenTheDrainStalls() async {
        do {
            try await gracefulShutdown()
            var last = state.withLock { $0.settled }
            while true {
                try await Task.sleep(for: shutdownStallTimeout)
                let now = state.withLock { $0.settled }
                guard now == last else {
                    last = now
                    continue
                }
                let waiter = state.withLock { state in
                    state.givenUp = true
                    defer { state.roomWaiter = nil }
                    return state.roomWaiter
                }
                waiter?.resume(returning: false)
                return
            }
        } catch {
            // Cancelled: the publisher finished first.
        }
    }

    private func settle(_ sequence: Int64, result: Result<KafkaDeliveryReport, KafkaError>) {
        let (waiter, marksDue): (CheckedContinuation<Bool, Never>?, Bool) = state.withLock { state in
            state.inFlight -= 1
            state.settled += 1
            switch result {
            case .success: state.acknowledged.append(sequence)
            case .failure: state.failedFrom = min(state.failedFrom ?? sequence, sequence)
            }
            var waiter: CheckedContinuation<Bool, Never>?
            if state.inFlight < maxInFlight / 2, let roomWaiter = state.roomWaiter {
                state.roomWaiter = nil
                state.inFlight += 1
                waiter = roomWaiter
            }
            // Marks go to the outbox in groups, and when nothing is left in flight: the publisher may
            // be asleep until the next append, and the outbox's depth should not wait for that.
            return (waiter, state.acknowledged.count >= 256 || state.inFlight == 0)
        }
        switch result {
        case .success:
            published.increment()
        case .failure(let error):
            failed.increment()
            // At shutdown the producer purges what the brokers did not take; one line per record of a
            // large backlog would drown the log, and the warning above has said it.
            logger.log(
                level: shutdown.isSet ? .debug : .error,
                "Publishing an outbox record failed; it will be sent again: \(error)", metadata: ["outbox.sequence": "\(sequence)"])
        }
        waiter?.resume(returning: true)
        if marksDue { flushMarks() }
    }

    /// Takes one in-flight place, waiting while `maxInFlight` records await their acknowledgement;
    /// `false`, without a place, once the shutdown drain has given up.
    private func reserveRoom() async -> Bool {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool? in
                if state.givenUp { return false }
                guard state.inFlight >= maxInFlight else {
                    state.inFlight += 1
                    return true
                }
                state.roomWaiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func takeFailure() -> Int64? {
        state.withLock { state in
            defer { state.failedFrom = nil }
            return state.failedFrom
        }
    }

    private func flushMarks() {
        let marks = state.withLock { state in
            defer { state.acknowledged.removeAll() }
            return state.acknowledged
        }
        outbox.markPublished(marks)
    }
}

/// Set once when graceful shutdown begins.
final class ShutdownFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
