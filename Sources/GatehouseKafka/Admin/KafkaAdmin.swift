public import Logging

/// Administers a Kafka cluster through librdkafka's admin API.
///
/// ```swift
/// let admin = try KafkaAdmin(bootstrapServers: ["kafka:9092"], logger: logger)
/// try await admin.createTopics([.init(name: "gatehouse.signups.v1", partitions: 12, configs: ["retention.ms": "-1"])])
/// ```
public final class KafkaAdmin: KafkaTopicCreating {
    private let client: RDKafkaClient
    private let logger: Logger
    /// How long one admin request may take.
    public let timeout: Duration

    /// Connects to a cluster. `properties` are further librdkafka settings, such as SASL or TLS.
    public init(
        bootstrapServers: [String],
        properties: [String: String] = [:],
        timeout: Duration = .seconds(30),
        logger: Logger
    ) throws(KafkaError) {
        var map = properties
        map["bootstrap.servers"] = bootstrapServers.joined(separator: ",")
        self.client = try RDKafkaClient(kind: .producer, properties: map, events: 0)
        self.logger = logger
        self.timeout = timeout
    }

    /// Creates each topic that does not exist yet, with its partitions, replication factor and configs.
    /// Topics that already exist count as success and are left as they are.
    ///
    /// - Throws: ``KafkaError`` naming the first topic that failed.
    public func createTopics(_ topics: [KafkaTopicSpecification]) async throws {
        guard !topics.isEmpty else { return }
        let client = self.client
        let milliseconds = Int32(clamping: timeout.milliseconds)
        let results = try await DedicatedThread.run { client.createTopics(topics, timeoutMilliseconds: milliseconds) }.get()
        for result in results {
            switch result.code {
            case RDKafkaErrorCodes.noError:
                logger.info("Created topic", metadata: [KafkaLoggingKeys.topic: "\(result.name)"])
            case RDKafkaErrorCodes.topicAlreadyExists:
                logger.debug("Topic already exists", metadata: [KafkaLoggingKeys.topic: "\(result.name)"])
            default:
                throw KafkaError.librdkafka(result.code, context: "create topic '\(result.name)': \(result.text)")
            }
        }
    }
}
