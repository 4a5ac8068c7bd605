import ArgumentParser
import Foundation
import GatehouseKafka
import Logging
import ServiceLifecycle
import UnixSignals

/// `gatehouse broker`: librdkafka's embedded Kafka cluster, standalone.
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka cluster on loopback until SIGTERM or Ctrl-C.",
        discussion: """
            Prints the bootstrap address on the first line of standard output, so that any Kafka client can
            use it, for example: kcat -b "$(gatehouse broker | head -1)" -L. Logs go to standard error.
            The cluster keeps its data in memory only.
            """
    )

    @Option(help: "A fixed loopback port to bootstrap from (0 picks a free one). Default: the brokers' own ephemeral ports.")
    var port: Int?

    @Option(help: "How many brokers to run.")
    var brokers: Int = 1

    @Option(name: .customLong("topic"), help: "A topic to create, as NAME or NAME:PARTITIONS. Repeatable.")
    var topics: [String] = []

    @Option(help: "Partitions for topics given without a count.")
    var partitions: Int32 = 4

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1...32).contains(brokers) else { throw ValidationError("--brokers must be between 1 and 32, not \(brokers)") }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535, not \(port)") }
        guard partitions >= 1 else { throw ValidationError("--partitions must be at least 1") }
        _ = try specifications()
    }

    private func specifications() throws -> [KafkaTopicSpecification] {
        try topics.map { argument in
            let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
            guard let name = parts.first, !name.isEmpty, parts.count <= 2 else {
                throw ValidationError("--topic '\(argument)' must be NAME or NAME:PARTITIONS")
            }
            var count = partitions
            if parts.count == 2 {
                guard let parsed = Int32(parts[1]), parsed >= 1 else {
                    throw ValidationError("--topic '\(argument)': PARTITIONS must be a positive number")
                }
                count = parsed
            }
            return KafkaTopicSpecification(name: String(name), partitions: count)
        }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "gatehouse.broker")
        let cluster = try EmbeddedKafkaCluster(brokers: brokers, port: port, logger: logger)
        try await cluster.createTopics(specifications())
        // Unbuffered, so that a parent process reading the first line sees it at once.
        FileHandle.standardOutput.write(Data((cluster.bootstrapServers + "\n").utf8))
        let group = ServiceGroup(
            services: [EmbeddedClusterService(cluster: cluster)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}

/// Keeps an embedded cluster up until graceful shutdown.
struct EmbeddedClusterService: Service {
    let cluster: EmbeddedKafkaCluster

    func run() async throws {
        try? await gracefulShutdown()
        cluster.shutdown()
    }
}
