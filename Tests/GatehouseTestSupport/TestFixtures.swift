import Foundation
public import GatehouseKafka
public import Logging

/// Names, loggers and clusters for tests. Every test gets its own cluster and topics, so tests run in
/// parallel without seeing each other.
public enum TestFixtures {
    /// A topic or group name no other test uses.
    public static func unique(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// The names of this process's threads, as `top -H` and `perf` show them.
    public static func threadNames() -> Set<String> {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return Set(
            tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }.map {
                $0.trimmingCharacters(in: .newlines)
            })
    }

    /// A logger for tests: warnings and worse on stderr, or the level in `GATEHOUSE_TEST_LOG_LEVEL`.
    public static func logger(_ label: String) -> Logger {
        let level = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return Logger(label: label) { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// Starts an embedded cluster with `topics`, runs `body`, and stops the cluster.
    public static func withCluster<T>(
        brokers: Int = 1,
        topics: [KafkaTopicSpecification] = [],
        _ body: (EmbeddedKafkaCluster) async throws -> T
    ) async throws -> T {
        let cluster = try EmbeddedKafkaCluster(brokers: brokers, logger: logger("embedded-cluster"))
        defer { cluster.shutdown() }
        try await cluster.createTopics(topics)
        return try await body(cluster)
    }

    /// A producer configuration for the cluster, with a short linger for fast tests.
    public static func producerConfiguration(_ cluster: EmbeddedKafkaCluster) -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        configuration.linger = .milliseconds(1)
        configuration.statisticsInterval = nil
        return configuration
    }

    /// A consumer configuration for the cluster that rebalances quickly.
    public static func consumerConfiguration(
        _ cluster: EmbeddedKafkaCluster,
        _ subscription: KafkaConsumerConfiguration.Subscription
    ) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], subscription: subscription)
        configuration.sessionTimeout = .seconds(6)
        configuration.commitInterval = .milliseconds(200)
        configuration.statisticsInterval = nil
        configuration.properties["heartbeat.interval.ms"] = "300"
        configuration.properties["fetch.wait.max.ms"] = "50"
        return configuration
    }

    /// Reads every message of `topic` from the beginning until `count` have arrived.
    public static func readTopic(
        _ cluster: EmbeddedKafkaCluster,
        topic: String,
        count: Int,
        limit: Duration = .seconds(30)
    ) async throws -> [KafkaConsumerMessage] {
        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration(cluster, .topics([topic], from: .beginning)),
            logger: logger("reader")
        )
        defer { Task { await consumer.close() } }
        return try await withDeadline(limit, "\(count) messages from \(topic)") {
            var messages: [KafkaConsumerMessage] = []
            for try await message in consumer.messages {
                messages.append(message)
                if messages.count >= count { break }
            }
            return messages
        }
    }

    /// How many messages `topic` holds: the sum of its partitions' high watermarks, asked of the brokers.
    public static func messageCount(_ cluster: EmbeddedKafkaCluster, topic: String, partitions: Int32) async throws -> Int64 {
        let reader = try KafkaConsumer(
            configuration: consumerConfiguration(cluster, .topics([topic], from: .beginning)),
            logger: logger("count")
        )
        var total: Int64 = 0
        for partition in 0..<partitions {
            total += try await reader.watermarks(of: KafkaTopicPartition(topic: topic, partition: partition)).high
        }
        await reader.close()
        return total
    }

    /// Makes a producer, sends `count` messages with values "0", "1", … under one key, and shuts it down.
    public static func publish(_ cluster: EmbeddedKafkaCluster, topic: String, count: Int) async throws {
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: logger("producer"))
        for index in 0..<count {
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "\(index)"))
        }
        await producer.shutdown()
    }
}
