public import Logging

/// Reads a topic from the beginning up to the end offsets it has when reading starts, and stops: a
/// bounded read for tools (dead-letter inspection, replay) rather than a consumer-group member.
public struct KafkaTopicReader: Sendable {
    /// The Kafka bootstrap servers.
    public var bootstrapServers: [String]
    /// librdkafka properties (SASL, TLS, …).
    public var properties: [String: String] = [:]

    public init(bootstrapServers: [String], properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.properties = properties
    }

    /// Calls `body` with every message of `topic` that exists now, in order per partition, and returns
    /// how many there were. No consumer group is joined and no offset is committed.
    ///
    /// - Throws: ``KafkaError`` when the topic does not exist or the brokers cannot be reached.
    @discardableResult
    public func readAll(
        _ topic: String,
        logger: Logger,
        _ body: (KafkaConsumerMessage) async throws -> Void
    ) async throws -> Int {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, subscription: .topics([topic], from: .beginning))
        configuration.properties = properties
        configuration.statisticsInterval = nil
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        do {
            var ends: [KafkaTopicPartition: Int64] = [:]
            for id in try await consumer.partitionIDs(of: topic) {
                let partition = KafkaTopicPartition(topic: topic, partition: id)
                let marks = try await consumer.watermarks(of: partition)
                if marks.high > marks.low { ends[partition] = marks.high }
            }
            var count = 0
            if !ends.isEmpty {
                for try await message in consumer.messages {
                    guard let end = ends[message.topicPartition] else { continue }
                    if message.offset < end {
                        try await body(message)
                        count += 1
                    }
                    if message.offset + 1 >= end { ends[message.topicPartition] = nil }
                    if ends.isEmpty { break }
                }
            }
            await consumer.close()
            return count
        } catch {
            await consumer.close()
            throw error
        }
    }
}
