/// How a ``KafkaProducer`` connects and delivers.
///
/// The defaults are durable: idempotence on, `acks=all`, and an unlimited number of internal retries
/// within ``messageTimeout``.
public struct KafkaProducerConfiguration: Sendable {
    /// Which acknowledgement the broker sends.
    public struct Acks: Sendable, Hashable {
        fileprivate let value: String
        /// Every in-sync replica has the message (`acks=all`). Required by idempotence.
        public static let all = Acks(value: "all")
        /// The partition leader has the message (`acks=1`).
        public static let leader = Acks(value: "1")
        /// No acknowledgement at all (`acks=0`).
        public static let none = Acks(value: "0")
    }

    /// The compression codec for record batches.
    public struct Compression: Sendable, Hashable {
        fileprivate let value: String
        /// No compression.
        public static let none = Compression(value: "none")
        /// LZ4: fast, with a fair ratio.
        public static let lz4 = Compression(value: "lz4")
        /// Zstandard: the best ratio for its speed.
        public static let zstd = Compression(value: "zstd")
        /// Snappy.
        public static let snappy = Compression(value: "snappy")
        /// gzip: a good ratio, and the slowest.
        public static let gzip = Compression(value: "gzip")
    }

    /// `host:port` pairs to bootstrap from.
    public var bootstrapServers: [String]
    /// The client id brokers see in their logs and quotas.
    public var clientID: String = "gatehouse"
    /// The idempotent producer: no duplicates from internal retries, and order kept per partition.
    public var idempotence: Bool = true
    /// Which acknowledgement counts as delivered.
    public var acks: Acks = .all
    /// How long to wait for more messages before sending a batch (`linger.ms`).
    public var linger: Duration = .milliseconds(1)
    /// How long a message may wait for delivery, retries included, before it fails
    /// (`message.timeout.ms`).
    public var messageTimeout: Duration = .seconds(300)
    /// The most messages librdkafka holds at once (`queue.buffering.max.messages`). When it is full,
    /// ``KafkaProducer/send(_:)`` and ``KafkaProducer/enqueue(_:onDelivery:)`` wait.
    public var queueCapacity: Int = 100_000
    /// The compression codec.
    public var compression: Compression = .none
    /// How often librdkafka publishes statistics, which become metrics; `nil` turns them off.
    public var statisticsInterval: Duration? = .seconds(10)
    /// How long a graceful shutdown waits for outstanding deliveries before purging them.
    public var shutdownTimeout: Duration = .seconds(10)
    /// Recreate the producer after a fatal error and send every unacknowledged message again.
    public var recreateOnFatalError: Bool = true
    /// Further librdkafka properties, applied last: SASL, TLS and anything else librdkafka understands.
    public var properties: [String: String] = [:]

    /// Creates a configuration for the given bootstrap servers.
    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    /// The librdkafka property map: the one place where these settings become strings.
    var librdkafkaProperties: [String: String] {
        var map: [String: String] = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
            "enable.idempotence": idempotence ? "true" : "false",
            "acks": acks.value,
            "linger.ms": String(linger.milliseconds),
            "message.timeout.ms": String(messageTimeout.milliseconds),
            "queue.buffering.max.messages": String(queueCapacity),
            "compression.codec": compression.value,
            "socket.nagle.disable": "true",
            // Java-compatible key hashing, so other Kafka clients agree on a user's partition.
            "partitioner": "murmur2_random",
        ]
        if let statisticsInterval {
            map["statistics.interval.ms"] = String(statisticsInterval.milliseconds)
        }
        map.merge(properties) { _, override in override }
        return map
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
