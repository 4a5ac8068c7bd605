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

    /// How long CreateTopics may wait for a controller when the metadata names none.
    static let noControllerTimeoutMilliseconds: Int32 = 3_000

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
    /// A cluster without the admin API (librdkafka's embedded cluster, as `gatehouse broker` runs it)
    /// cannot create topics this way: after at most a few seconds the topics are used as they are,
    /// created on first use with the cluster's defaults, and a warning says that their configs were
    /// not applied.
    ///
    /// - Throws: ``KafkaError`` naming the first topic that failed.
    public func createTopics(_ topics: [KafkaTopicSpecification]) async throws {
        let client = self.client
        let milliseconds = Int32(clamping: timeout.milliseconds)
        let cluster = try await DedicatedThread.run { client.clusterMetadata(timeoutMilliseconds: milliseconds) }.get()
        let missing = topics.filter { !cluster.topics.contains($0.name) }
        guard !missing.isEmpty else { return }
        // librdkafka sends CreateTopics to the controller, and waits the whole timeout for one when the
        // metadata names none of its brokers. A real cluster names one except during a controller
        // election; librdkafka's embedded cluster never does, and every start against `gatehouse broker`
        // lost 30 s here. So without a controller the request gets a few seconds (room for an election
        // to end) before the fallback below.
        let requestMilliseconds = cluster.hasController ? milliseconds : min(milliseconds, Self.noControllerTimeoutMilliseconds)
        let outcome = await DedicatedThread.run { client.createTopics(missing, timeoutMilliseconds: requestMilliseconds) }
        let results: [(name: String, code: Int32, text: String)]
        switch outcome {
        case .success(let created):
            results = created
        case .failure(let error)
        where error.code == .unsupportedFeature
            || (error.code == .librdkafka(RDKafkaErrorCodes.timedOut) && error.message.contains("controller")):
            // Brokers without the admin API: librdkafka's embedded cluster has no controller, so the
            // request times out waiting for one. Accept topics that exist (the embedded cluster creates
            // them on first use), and say that their configs were not applied.
            for topic in missing {
                _ = try await DedicatedThread.run { client.partitionIDs(of: topic.name, timeoutMilliseconds: milliseconds) }.get()
                logger.warning(
                    "The cluster has no admin API; using the existing topic as it is",
                    metadata: [KafkaLoggingKeys.topic: "\(topic.name)"]
                )
            }
            return
        case .failure(let error):
            throw error
        }
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
