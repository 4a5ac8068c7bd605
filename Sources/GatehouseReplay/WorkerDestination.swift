public import GatehouseKafka
public import GatehouseWorkers
public import Logging
import Synchronization

/// Runs one worker's handler directly on replayed events, outside its consumer group, in batches of
/// the worker's size. The worker's idempotency records are respected (completed events are passed
/// over and handled events are recorded) unless `force` is set.
public final class WorkerDestination: ReplayDestination {
    private let worker: any SignupWorker
    private let records: CompletedEvents
    private let force: Bool
    private let logger: Logger
    private let pending = Mutex<[WorkerEvent]>([])

    public init(worker: any SignupWorker, records: CompletedEvents, force: Bool, logger: Logger) {
        self.worker = worker
        self.records = records
        self.force = force
        self.logger = logger
    }

    public func deliver(_ record: KafkaConsumerMessage) async throws -> Bool {
        let event = try WorkerEvent(record)
        guard worker.eventTypes.contains(event.type) else { return false }
        let batch = pending.withLock { pending -> [WorkerEvent]? in
            pending.append(event)
            guard pending.count >= max(worker.maxBatchSize, 1) else { return nil }
            defer { pending.removeAll() }
            return pending
        }
        if let batch { _ = try await handle(batch) }
        return true
    }

    public func finish() async throws -> Int {
        let batch = pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        return try await handle(batch)
    }

    /// Handles a batch; returns how many were passed over as completed.
    private func handle(_ batch: [WorkerEvent]) async throws -> Int {
        guard !batch.isEmpty else { return 0 }
        let completed = force ? [] : try await records.completed(among: batch.map(\.id))
        let fresh = batch.filter { !completed.contains($0.id) }
        if !fresh.isEmpty {
            let context = WorkerContext(logger: logger, attempt: 1)
            if fresh.count == 1 {
                try await worker.handle(fresh[0], context: context)
            } else {
                try await worker.handle(batch: fresh, context: context)
            }
            try await records.record(fresh.map(\.id))
        }
        return batch.count - fresh.count
    }
}
