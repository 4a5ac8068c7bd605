import Foundation
public import GatehouseKafka
import GatehouseSignup
public import Logging
import Metrics
public import ServiceLifecycle

/// Runs one worker: its consumer group on the sign-up stream, its retry topics and dead letters, and
/// its idempotency records.
///
/// - **At least once.** An event's offset is stored only after the handler succeeded (and the id was
///   recorded), or after the event was safely written to a retry or dead-letter topic.
/// - **Order per user.** Events with the same record key go to the same lane and are handled one after
///   another; different users run concurrently (``WorkerConfiguration/concurrency``).
/// - **Retries never block the stream.** A failed event is written to the worker's retry topic for its
///   attempt (`retry-1`, `retry-2`, …, each with its own delay) and the stream moves on. A retry
///   consumer per topic waits until each record is due. So a later event of the same user can be
///   handled before an earlier one that is retrying: workers must not depend on per-user order across
///   failures (the built-in workers do not: audit records carry the event's own time, notifications
///   are independent, grants are idempotent).
/// - **Dead letters.** After ``WorkerConfiguration/maxAttempts`` failures, or at once for a
///   ``PermanentFailure``, the event goes to `<prefix>.<worker>.dlq` with headers naming the error, the
///   attempts, the first and last failure times and the original topic, partition and offset.
/// - **Idempotency.** A completed event id is recorded; a redelivery or a replay is passed over.
public final class WorkerRunner: Service {
    let worker: any SignupWorker
    let configuration: WorkerConfiguration
    private let topics: any KafkaTopicCreating
    let logger: Logger
    let metrics: WorkerMetrics

    public init(worker: any SignupWorker, configuration: WorkerConfiguration, topics: any KafkaTopicCreating, logger: Logger) {
        self.worker = worker
        self.configuration = configuration
        self.topics = topics
        var logger = logger
        logger[metadataKey: "worker"] = "\(worker.name)"
        self.logger = logger
        self.metrics = WorkerMetrics(worker: worker.name)
    }

    /// The consumer group of the worker's main consumer.
    public static func groupID(worker: String) -> String { "gatehouse.\(worker)" }

    public func run() async throws {
        let name = worker.name
        var specifications = (configuration.retryTopics(worker: name) + [configuration.deadLetterTopic(worker: name)]).map {
            KafkaTopicSpecification(name: $0, partitions: configuration.partitions)
        }
        if let outcomes = configuration.outcomesTopic {
            specifications.append(
                KafkaTopicSpecification(name: outcomes, partitions: configuration.partitions, configs: ["retention.ms": "-1"]))
        }
        try await topics.createTopics(specifications)
        let store = try CompletedEvents(path: configuration.dataDirectory.appendingPathComponent("workers/\(name).sqlite").path)
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.bootstrapServers)
        producerConfiguration.clientID = "gatehouse-worker-\(name)"
        producerConfiguration.properties = configuration.properties
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let context = Context(store: store, producer: producer)

        var readers: [(KafkaConsumer, retryLevel: Int?)] = [
            (try consumer(group: Self.groupID(worker: name), topics: configuration.sourceTopics), nil)
        ]
        for (index, topic) in configuration.retryTopics(worker: name).enumerated() {
            readers.append((try consumer(group: "\(Self.groupID(worker: name)).retry-\(index + 1)", topics: [topic]), index + 1))
        }
        logger.info("Worker started", metadata: ["topics": "\(configuration.sourceTopics)", "group": "\(Self.groupID(worker: name))"])
        await withDiscardingTaskGroup { group in
            for (consumer, level) in readers {
                group.addTask { await self.consume(consumer, retryLevel: level, context) }
            }
            let consumers = readers.map(\.0)
            group.addTask { await self.reportLag(consumers) }
        }
        await producer.shutdown()
        logger.info("Worker stopped")
    }

    struct Context: Sendable {
        let store: CompletedEvents
        let producer: KafkaProducer
    }

    private func consumer(group: String, topics: [String]) throws -> KafkaConsumer {
        var consumerConfiguration = KafkaConsumerConfiguration(
            bootstrapServers: configuration.bootstrapServers, subscription: .group(group, topics: topics))
        consumerConfiguration.clientID = "gatehouse-worker-\(worker.name)"
        consumerConfiguration.commitInterval = configuration.commitInterval
        consumerConfiguration.properties = configuration.properties
        return try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
    }

    /// Reads one consumer into lanes until graceful shutdown, finishes what is in the lanes, and closes
    /// (committing what is done).
    private func consume(_ consumer: KafkaConsumer, retryLevel: Int?, _ context: Context) async {
        let batchSize = max(worker.maxBatchSize, 1)
        let laneCount = worker.concurrency ?? configuration.concurrency
        let lanes = Lanes<KafkaConsumerMessage>(count: laneCount, capacity: 2 * laneCount * batchSize)
        await withDiscardingTaskGroup { group in
            group.addTask {
                await lanes.run(batchSize: batchSize) { batch in
                    await self.process(batch, consumer: consumer, retryLevel: retryLevel, context)
                }
            }
            do {
                for try await message in consumer.messages.cancelOnGracefulShutdown() {
                    // The main stream keeps order per user (record key); a retry topic is in due order
                    // per partition already.
                    let key = retryLevel == nil ? Self.hash(message.key ?? []) : UInt64(message.partition)
                    await lanes.submit(message, key: key)
                }
            } catch {
                logger.error("The worker's consumer failed", metadata: ["error": "\(error)", "retry.level": "\(retryLevel ?? 0)"])
            }
            lanes.finish()
        }
        await consumer.close()
    }

    /// FNV-1a: a stable hash of the record key, the same in every process.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    private func reportLag(_ consumers: [KafkaConsumer]) async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            metrics.lag.record(consumers.reduce(0) { $0 + $1.lag().values.reduce(0, +) })
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(5)) }
        }
    }
}
