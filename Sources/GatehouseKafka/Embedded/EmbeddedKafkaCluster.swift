import Foundation
public import Logging
import Synchronization

/// librdkafka's embedded Kafka cluster: real Kafka-protocol brokers on loopback ports, inside this
/// process, that any Kafka client can use and that can inject faults.
///
/// Tests and `gatehouse dev` use it instead of an external broker, so that every code path speaks the
/// Kafka protocol through librdkafka. It supports producing (idempotent included), fetching, consumer
/// groups with committed offsets, and automatic topic creation. It does not support the admin API, TLS,
/// SASL, or timestamp offset lookups (librdkafka 2.0.2).
///
/// ```swift
/// let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: logger)
/// try await cluster.createTopics([.init(name: "signups", partitions: 4)])
/// cluster.setBrokerDown()              // every broker
/// cluster.setBrokerUp()
/// ```
public final class EmbeddedKafkaCluster: KafkaTopicCreating {
    private let mock: RDKafkaMockCluster
    private let forwarder: Mutex<TCPForwarder?>
    private let logger: Logger

    /// The brokers' own `host:port` list, as they advertise it in metadata.
    public var brokerAddresses: String { mock.bootstrapServers }

    /// The address clients should bootstrap from: the fixed port when one was asked for, otherwise the
    /// brokers' own addresses.
    public let bootstrapServers: String

    /// How many brokers run; their ids are `1...brokerCount`.
    public var brokerCount: Int { Int(mock.brokerCount) }

    /// Starts a cluster of `brokers` brokers on loopback.
    ///
    /// - Parameter port: A fixed loopback port to bootstrap from. librdkafka 2.0.2 always binds its
    ///   brokers to ephemeral ports, so a fixed port forwards bootstrap connections to broker 1; the
    ///   metadata then points clients at the brokers' own ports, which are also on loopback.
    /// - Throws: ``KafkaError`` when librdkafka cannot start the brokers or the port is taken.
    public init(brokers: Int = 1, port: Int? = nil, logger: Logger) throws {
        precondition(brokers >= 1, "an embedded cluster needs at least one broker")
        self.mock = try RDKafkaMockCluster(brokers: Int32(brokers))
        self.logger = logger
        if let port {
            let target = mock.bootstrapServers.split(separator: ",")[0]
            let targetPort = Int(target.split(separator: ":").last ?? "") ?? 0
            let forwarder = try TCPForwarder(listenPort: port, targetPort: targetPort, logger: logger)
            self.forwarder = Mutex(forwarder)
            self.bootstrapServers = "127.0.0.1:\(forwarder.port)"
        } else {
            self.forwarder = Mutex(nil)
            self.bootstrapServers = mock.bootstrapServers
        }
        logger.info("Embedded Kafka cluster started", metadata: ["kafka.bootstrap": "\(bootstrapServers)"])
    }

    /// Creates topics with the embedded cluster's own topic creation. Replication is capped at the
    /// number of brokers, and topic configs (such as `retention.ms`) are accepted but not enforced: the
    /// embedded cluster keeps everything in memory until it stops.
    public func createTopics(_ topics: [KafkaTopicSpecification]) async throws {
        for topic in topics {
            let replication = topic.replicationFactor < 1 ? min(3, mock.brokerCount) : min(Int32(topic.replicationFactor), mock.brokerCount)
            let result = mock.createTopic(topic.name, partitions: topic.partitions, replicationFactor: replication)
            guard result == RDKafkaErrorCodes.noError || result == RDKafkaErrorCodes.topicAlreadyExists else {
                throw KafkaError.librdkafka(result, context: "create topic '\(topic.name)'")
            }
        }
    }

    // MARK: Faults

    /// Takes a broker down (or every broker, with `nil`): its connections drop and new ones are refused.
    /// Partition leadership does not move.
    public func setBrokerDown(_ broker: Int? = nil) {
        _ = mock.setDown(broker: Int32(broker ?? -1))
        logger.info("Embedded broker down", metadata: ["kafka.broker": "\(broker.map(String.init) ?? "all")"])
    }

    /// Brings a broker (or every broker, with `nil`) back up.
    public func setBrokerUp(_ broker: Int? = nil) {
        if let broker {
            _ = mock.setUp(broker: Int32(broker))
        } else {
            for id in 1...mock.brokerCount { _ = mock.setUp(broker: id) }
        }
        logger.info("Embedded broker up", metadata: ["kafka.broker": "\(broker.map(String.init) ?? "all")"])
    }

    /// Delays every response of a broker (or of every broker) by `latency`.
    public func setLatency(_ latency: Duration, broker: Int? = nil) {
        let milliseconds = Int32(clamping: latency.milliseconds)
        let ids = broker.map { [Int32($0)] } ?? Array(1...mock.brokerCount)
        for id in ids { _ = mock.setRoundTripTime(broker: id, milliseconds: milliseconds) }
    }

    /// Makes the next `errors.count` requests of `api`, on any broker, fail with these codes, in order.
    /// ``KafkaError/Code/transport`` drops the connection instead of answering.
    public func injectErrors(_ errors: [KafkaError.Code], for api: KafkaAPI) {
        mock.pushRequestErrors(apiKey: api.key, errors: errors.compactMap(\.librdkafkaCode))
    }

    /// Makes the next request of `api` on `broker` answer with `error` after `latency`. With
    /// `error` `nil` the request succeeds (a produce is appended) but its answer is late: the way to
    /// simulate an acknowledgement lost after the write.
    public func injectError(_ error: KafkaError.Code?, for api: KafkaAPI, broker: Int, latency: Duration = .zero) {
        _ = mock.pushBrokerRequestError(
            broker: Int32(broker), apiKey: api.key, error: error?.librdkafkaCode ?? 0,
            roundTripMilliseconds: Int32(clamping: latency.milliseconds)
        )
    }

    /// Drops injected errors not yet used for `api`.
    public func clearInjectedErrors(for api: KafkaAPI) {
        mock.clearRequestErrors(apiKey: api.key)
    }

    /// Moves a partition's leadership to `broker`.
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int) {
        _ = mock.setPartitionLeader(topic: topic, partition: partition, broker: Int32(broker))
    }

    /// Stops the brokers and the bootstrap forwarder. Clients still connected see the brokers vanish.
    public func shutdown() {
        forwarder.withLock { forwarder in
            forwarder?.stop()
            forwarder = nil
        }
        mock.destroy()
    }
}
