public import Foundation
public import Logging

/// Reads a bounded range of a topic, or follows it: for tools such as dead-letter inspection and
/// replay, outside any consumer group, committing nothing.
///
/// The range starts at the beginning, at explicit offsets, or at a time, and ends at the end offsets the
/// partitions have when reading starts, at explicit offsets, at a time, or never (follow). A time start
/// asks the brokers (`offsets_for_times`); where they find nothing, or cannot look offsets up by time
/// (librdkafka's embedded broker), the partition is read from its beginning and older messages are
/// passed over by their timestamps.
public struct KafkaTopicReader: Sendable {
    /// Where reading starts.
    public enum Start: Sendable, Hashable {
        case beginning
        /// Per partition; partitions not listed are not read.
        case offsets([Int32: Int64])
        case time(Date)
    }

    /// Where reading ends.
    public enum End: Sendable, Hashable {
        /// The end offsets when reading starts: a bounded read that always finishes.
        case current
        /// Per partition, exclusive; partitions not listed end at their current end.
        case offsets([Int32: Int64])
        /// Messages with a timestamp before this time, up to the current end.
        case time(Date)
        /// Never: keep reading new messages until cancelled.
        case never
    }

    /// How a time start was resolved, per partition.
    public enum StartLookup: Sendable, Hashable {
        /// The brokers looked the offset up.
        case broker
        /// The partition is scanned from its beginning by message timestamps.
        case scan
    }

    /// What a read did.
    public struct Summary: Sendable {
        /// Messages read in the range (including those passed over by a time start's scan).
        public var read: Int = 0
        /// Messages handed to the body.
        public var delivered: Int = 0
        /// The next offset of each partition: where a resumed read would start.
        public var next: [Int32: Int64] = [:]
        /// Per partition, the offset range planned: start ..< end (end `nil` when following).
        public var planned: [Int32: (start: Int64, end: Int64?)] = [:]
        /// How a time start was resolved, per partition.
        public var lookup: [Int32: StartLookup] = [:]
        /// Whether the read stopped early because its task was cancelled.
        public var interrupted = false

        /// Messages in the planned range (bounded reads only).
        public var total: Int64 { planned.values.reduce(0) { $0 + max(0, ($1.end ?? $1.start) - $1.start) } }
    }

    /// The Kafka bootstrap servers.
    public var bootstrapServers: [String]
    /// librdkafka properties (SASL, TLS, …).
    public var properties: [String: String] = [:]

    /// Creates a reader for the cluster at `bootstrapServers`; `properties` are passed to librdkafka.
    public init(bootstrapServers: [String], properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.properties = properties
    }

    /// Calls `body` with every message of `topic` that exists now, in order per partition, and returns
    /// how many there were.
    ///
    /// - Throws: ``KafkaError`` when the topic does not exist or the brokers cannot be reached.
    @discardableResult
    public func readAll(_ topic: String, logger: Logger, _ body: (KafkaConsumerMessage) async throws -> Void) async throws -> Int {
        try await read(topic, from: .beginning, until: .current, logger: logger) { message, _ in try await body(message) }.delivered
    }

    /// Calls `body` with every message of the range, in order per partition, with the summary so far
    /// (for progress). Returns when the range is read, or when the task is cancelled (then the summary
    /// says where each partition stopped).
    ///
    /// - Throws: ``KafkaError`` when the topic does not exist or the brokers cannot be reached; what
    ///   `body` throws.
    public func read(
        _ topic: String,
        from start: Start,
        until end: End,
        logger: Logger,
        _ body: (KafkaConsumerMessage, Summary) async throws -> Void
    ) async throws -> Summary {
        let probe = try KafkaConsumer(configuration: configuration(.partitions([:])), logger: logger)
        var summary = Summary()
        var positions: [KafkaTopicPartition: KafkaStartPosition] = [:]
        var ends: [Int32: Int64] = [:]
        var scanBefore: [Int32: Date] = [:]
        do {
            let ids = try await probe.partitionIDs(of: topic)
            var lookedUp: [KafkaTopicPartition: Int64]?
            if case .time(let date) = start {
                lookedUp = await probe.offsets(at: date, for: ids.map { KafkaTopicPartition(topic: topic, partition: $0) })
            }
            let allMarks = try await probe.watermarks(of: ids.map { KafkaTopicPartition(topic: topic, partition: $0) })
            for id in ids {
                let partition = KafkaTopicPartition(topic: topic, partition: id)
                guard let marks = allMarks[partition] else { throw KafkaError.unknownPartition(partition) }
                var first = marks.low
                switch start {
                case .beginning:
                    break
                case .offsets(let offsets):
                    guard let offset = offsets[id] else { continue }
                    first = min(max(offset, marks.low), marks.high)
                case .time(let date):
                    let resolved = Self.timeStart(lookedUp: lookedUp?[partition], low: marks.low)
                    first = resolved.offset
                    summary.lookup[id] = resolved.lookup
                    if resolved.lookup == .scan { scanBefore[id] = date }
                }
                var last: Int64? = marks.high
                switch end {
                case .current, .time: break
                case .offsets(let offsets): if let offset = offsets[id] { last = min(offset, marks.high) }
                case .never: last = nil
                }
                summary.planned[id] = (first, last)
                summary.next[id] = first
                if let last {
                    guard first < last else { continue }
                    ends[id] = last
                }
                positions[partition] = .offset(first)
            }
        } catch {
            await probe.close()
            throw error
        }
        await probe.close()
        if ends.isEmpty && end != .never { return summary }

        let consumer = try KafkaConsumer(configuration: configuration(.partitions(positions)), logger: logger)
        var stopAt: Date?
        if case .time(let date) = end { stopAt = date }
        do {
            var finished: Set<Int32> = []
            for try await message in consumer.messages {
                let id = message.partition
                // Fetches run ahead of the range's end; what follows it is not part of the range.
                guard !finished.contains(id) else { continue }
                summary.next[id] = message.offset + 1
                summary.read += 1
                let pastEnd = ends[id].map { message.offset >= $0 } ?? (end != .never)
                let pastTime = stopAt.map { (message.timestamp ?? .distantPast) >= $0 } ?? false
                // A message beyond the range is where a resumed read starts, not after it.
                if pastEnd || pastTime { summary.next[id] = message.offset }
                if !pastEnd && !pastTime {
                    if let before = scanBefore[id], (message.timestamp ?? .distantPast) < before {
                        // Older than the start time: passed over.
                    } else {
                        summary.delivered += 1
                        try await body(message, summary)
                    }
                }
                if pastTime || ends[id].map({ message.offset + 1 >= $0 }) == true {
                    ends[id] = nil
                    finished.insert(id)
                    if ends.isEmpty && end != .never { break }
                }
            }
            summary.interrupted = Task.isCancelled
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        return summary
    }

    /// Where a time start begins in a partition: the brokers' answer when they found an offset,
    /// otherwise the partition's first offset with a scan by message timestamps (the brokers found
    /// nothing, or cannot look offsets up by time).
    static func timeStart(lookedUp: Int64?, low: Int64) -> (offset: Int64, lookup: StartLookup) {
        if let lookedUp, lookedUp >= 0 { return (max(lookedUp, low), .broker) }
        return (low, .scan)
    }

    private func configuration(_ subscription: KafkaConsumerConfiguration.Subscription) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, subscription: subscription)
        configuration.properties = properties
        configuration.statisticsInterval = nil
        configuration.bufferCapacity = 5000
        return configuration
    }
}
