/// A topic to create: its name, partitions, replication and configs.
public struct KafkaTopicSpecification: Sendable, Hashable {
    /// The topic name.
    public var name: String
    /// How many partitions. Keys hash to partitions, so this bounds a topic's parallelism.
    public var partitions: Int32
    /// How many replicas of each partition; `-1` takes the broker's default.
    public var replicationFactor: Int16
    /// Topic configs, for example `["retention.ms": "-1"]` for a stream kept forever.
    public var configs: [String: String]

    /// Creates a specification.
    public init(name: String, partitions: Int32 = 6, replicationFactor: Int16 = -1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// Anything that can make sure topics exist: a real cluster's admin API, or the embedded cluster.
public protocol KafkaTopicCreating: Sendable {
    /// Creates each topic that does not exist yet. Topics that already exist count as success.
    ///
    /// - Throws: ``KafkaError`` naming the first topic that could not be created.
    func createTopics(_ topics: [KafkaTopicSpecification]) async throws
}
