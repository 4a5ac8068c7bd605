import Dispatch
public import Foundation
public import Logging
import Metrics
public import ServiceLifecycle
import Synchronization

/// A Kafka consumer with at-least-once delivery: a consumer-group member, or a reader of partitions
/// assigned by hand.
///
/// Read ``messages`` and call ``markDone(_:)`` once a message is fully handled. Only then is its offset
/// stored for commit: a crash before `markDone` means the message is read again, never skipped.
/// Messages may be handled concurrently; the committed offset of a partition advances only across a
/// contiguous run of done messages. Revocation and close commit the stored offsets at once.
///
/// A dedicated thread serves librdkafka's consumer queue (messages, rebalances, errors, logs), and stops
/// polling while ``KafkaConsumerConfiguration/bufferCapacity`` messages wait unread.
///
/// ```swift
/// let consumer = try KafkaConsumer(
///     configuration: .init(bootstrapServers: [bootstrap], subscription: .group("audit", topics: ["signups"])),
///     logger: logger
/// )
/// for try await message in consumer.messages {
///     try await handle(message)
///     consumer.markDone(message)
/// }
/// ```
public final class KafkaConsumer: Service, Sendable {
    let configuration: KafkaConsumerConfiguration
    let logger: Logger
    let client: RDKafkaClient
    let loop: EventLoopControl
    let tracker = KafkaOffsetTracker.Shared()
    /// Whether the group has assigned this member partitions (an empty set counts) at least once.
    let assignedOnce = Atomic(false)
    let metrics: KafkaConsumerMetrics
    /// Free places in the read-ahead buffer; the poll thread takes one per poll.
    let slots: DispatchSemaphore
    private let stream: AsyncThrowingStream<[KafkaConsumerMessage], any Error>
    let continuation: AsyncThrowingStream<[KafkaConsumerMessage], any Error>.Continuation

    /// Creates the consumer and starts reading in the background.
    ///
    /// - Throws: ``KafkaError`` with code ``KafkaError/Code/configuration`` naming a rejected property.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = KafkaConsumerMetrics(group: configuration.subscription.groupID ?? "")
        self.client = try RDKafkaClient(
            kind: .consumer,
            properties: configuration.librdkafkaProperties,
            events: RDKafkaEvent.fetchBit | RDKafkaEvent.rebalanceBit | RDKafkaEvent.errorBit | RDKafkaEvent.logBit
                | RDKafkaEvent.offsetCommitBit | RDKafkaEvent.statisticsBit
        )
        self.loop = EventLoopControl(client: client)
        // Created at zero and then signalled: libdispatch traps when a semaphore is released while its
        // value is below the one it was created with, which a half-full buffer would be.
        self.slots = DispatchSemaphore(value: 0)
        for _ in 0..<max(configuration.bufferCapacity, 1) { slots.signal() }
        (stream, continuation) = AsyncThrowingStream.makeStream(of: [KafkaConsumerMessage].self)
        loop.start(name: "gh-consumer") { [weak self] in
            self?.runLoop()
        }
    }

    /// The messages, in order per partition. Iterate once; the sequence ends after ``close()`` and throws
    /// if the consumer fails fatally or cannot start (for example, an unknown topic).
    public var messages: KafkaConsumerMessages {
        KafkaConsumerMessages(stream: stream, slots: slots, tracker: tracker)
    }

    /// Marks a message fully handled, so that its offset may be committed once every earlier message of
    /// its partition is done too. Marks for partitions that were revoked meanwhile are ignored.
    public func markDone(_ message: KafkaConsumerMessage) {
        let storesOffsets = configuration.subscription.groupID != nil
        let client = self.client
        let logger = self.logger
        tracker.withLock { tracker in
            guard let next = tracker.markDone(message.topicPartition, offset: message.offset, epoch: message.assignmentEpoch),
                storesOffsets
            else { return }
            // Stored under the lock, so that two concurrent marks can never store offsets out of order.
            let result = client.storeOffset(message.topicPartition, offset: next)
            if result != RDKafkaErrorCodes.noError {
                logger.debug(
                    "Offset not stored; the partition is no longer assigned",
                    metadata: [
                        KafkaLoggingKeys.partitions: "\(message.topicPartition)", KafkaLoggingKeys.offset: "\(next)",
                        KafkaLoggingKeys.error: "\(KafkaError.Code.librdkafka(result))",
                    ]
                )
            }
        }
    }

    /// Commits the stored offsets now and waits for the broker, at most
    /// ``KafkaConsumerConfiguration/commitTimeout``. Offsets are also committed every
    /// ``KafkaConsumerConfiguration/commitInterval``, on revocation and on close.
    ///
    /// - Throws: ``KafkaError`` when the broker refuses the commit or does not answer in time.
    public func commit() async throws {
        let client = self.client
        let milliseconds = Int32(clamping: configuration.commitTimeout.milliseconds)
        let result = await DedicatedThread.run { client.commitStoredOffsets(timeoutMilliseconds: milliseconds) }
        guard result == RDKafkaErrorCodes.noError || result == RDKafkaErrorCodes.noOffset else {
            throw KafkaError.librdkafka(result, context: "commit")
        }
    }

    /// The partitions this consumer currently reads.
    public var assignment: [KafkaTopicPartition] {
        tracker.withLock { $0.assigned }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }

    /// Stops fetching from `partitions` until ``resume(_:)``.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        let result = client.pause(partitions, resume: false)
        guard result == RDKafkaErrorCodes.noError else { throw KafkaError.librdkafka(result, context: "pause") }
    }

    /// Fetches from paused `partitions` again.
    public func resume(_ partitions: [KafkaTopicPartition]) throws {
        let result = client.pause(partitions, resume: true)
        guard result == RDKafkaErrorCodes.noError else { throw KafkaError.librdkafka(result, context: "resume") }
    }

    /// How many messages each assigned partition holds beyond this consumer's position, from the
    /// watermarks librdkafka last fetched. Partitions without a known position or watermark are left out.
    public func lag() -> [KafkaTopicPartition: Int64] {
        let positions = client.positions(assignment)
        var lag: [KafkaTopicPartition: Int64] = [:]
        for (partition, position) in positions where position >= 0 {
            if let watermarks = client.cachedWatermarks(partition) {
                lag[partition] = max(0, watermarks.high - position)
            }
        }
        return lag
    }

    /// Asks the partition leader for a partition's low and high watermarks: the first offset still
    /// held, and the offset the next message will get.
    public func watermarks(of partition: KafkaTopicPartition) async throws -> (low: Int64, high: Int64) {
        guard let marks = try await watermarks(of: [partition])[partition] else { throw KafkaError.unknownPartition(partition) }
        return marks
    }

    /// The low and high watermarks of many partitions, in two lookups per partition leader rather
    /// than two per partition.
    ///
    /// - Throws: ``KafkaError`` when a partition's leader cannot answer in time.
    public func watermarks(of partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: (low: Int64, high: Int64)] {
        let client = self.client
        let timeout = Int32(clamping: configuration.lookupTimeout.milliseconds)
        return try await DedicatedThread.run { client.queryWatermarks(partitions, timeoutMilliseconds: timeout) }.get()
    }

    /// The partition numbers of `topic`, from the brokers' metadata.
    ///
    /// - Throws: ``KafkaError`` when the topic does not exist or the brokers cannot be reached in time.
    public func partitionIDs(of topic: String) async throws -> [Int32] {
        let client = self.client
        let timeout = Int32(clamping: configuration.lookupTimeout.milliseconds)
        return try await DedicatedThread.run { client.partitionIDs(of: topic, timeoutMilliseconds: timeout) }.get().sorted()
    }

    /// The first offset of each partition whose message timestamp is at or after `date`, as the brokers
    /// look it up (`offsets_for_times`): -1 where they found none. `nil` when the lookup failed, as on
    /// brokers without timestamp lookup.
    public func offsets(at date: Date, for partitions: [KafkaTopicPartition]) async -> [KafkaTopicPartition: Int64]? {
        let client = self.client
        let timeout = Int32(clamping: configuration.lookupTimeout.milliseconds)
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let timestamps = Dictionary(uniqueKeysWithValues: partitions.map { ($0, milliseconds) })
        return try? await DedicatedThread.run { client.offsetsForTimes(timestamps, timeoutMilliseconds: timeout) }.get()
    }

    /// Runs until graceful shutdown, then closes.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Stops reading, commits stored offsets, leaves the group and ends ``messages``. Messages already
    /// buffered but not yet read are not delivered; they are read again by the next owner.
    public func close() async {
        loop.requestStop()
        slots.signal()
        await loop.stop()
    }

    deinit {
        loop.requestStop()
        slots.signal()
    }
}

/// The messages of a ``KafkaConsumer``, as an async sequence.
public struct KafkaConsumerMessages: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerMessage

    let stream: AsyncThrowingStream<[KafkaConsumerMessage], any Error>
    let slots: DispatchSemaphore
    let tracker: KafkaOffsetTracker.Shared

    /// Iterates the messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[KafkaConsumerMessage], any Error>.AsyncIterator
        let slots: DispatchSemaphore
        let tracker: KafkaOffsetTracker.Shared
        /// The batch being handed out, and the next message's place in it.
        var batch: [KafkaConsumerMessage] = []
        var position = 0

        public mutating func next() async throws -> KafkaConsumerMessage? {
            while true {
                if position == batch.count {
                    guard let next = try await base.next() else { return nil }
                    batch = next
                    position = 0
                    continue
                }
                let message = batch[position]
                position += 1
                slots.signal()
                // A message buffered before its partition was revoked belongs to the partition's next
                // owner, who reads it from the committed offset; handing it out here would duplicate it.
                if tracker.withLock({ $0.isCurrent(message.topicPartition, epoch: message.assignmentEpoch) }) {
                    return message
                }
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), slots: slots, tracker: tracker)
    }
}
