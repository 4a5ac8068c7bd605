import ArgumentParser
import Foundation
import GatehouseKafka
import GatehouseSettings
import GatehouseWorkers
import ServiceLifecycle
import UnixSignals

/// `gatehouse worker NAME... --config FILE`: runs workers against the Kafka cluster of the
/// configuration.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run workers (audit, notifications, permissions) in consumer groups on the sign-up stream.",
        discussion: """
            Each worker has its own consumer group, retry topics and dead-letter topic (named after workers.topic_prefix),
            and its idempotency records under durability.data_dir/workers. Several processes may run the same worker: they
            share its partitions. Runs until SIGTERM or Ctrl-C, finishing the events in hand and committing their offsets.
            """
    )

    @Argument(help: "The workers to run: \(BuiltInWorkers.names.joined(separator: ", ")).")
    var names: [String]

    @Option(help: "The configuration file.")
    var config: String

    @Option(
        help: ArgumentHelp(
            "Serve Prometheus metrics at http://HOST:PORT/metrics, such as 127.0.0.1:9465.",
            discussion: "Port 0 picks a free port. The URL is printed on the first line of standard output.",
            valueName: "host:port"
        )
    )
    var metrics: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        for name in names where !BuiltInWorkers.names.contains(name) { throw ValidationError("\(UnknownWorker(name: name))") }
        if let metrics, MetricsEndpoint.address(metrics) == nil {
            throw ValidationError("--metrics '\(metrics)' is not HOST:PORT with a port from 0 to 65535, such as 127.0.0.1:9465")
        }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "gatehouse.worker")
        let settings: GatehouseSettings
        do {
            settings = try await GatehouseSettings.load(path: config)
        } catch {
            throw ValidationError("\(config): \(error)")
        }
        let registry = MetricsBackend.bootstrap()
        let admin = try KafkaAdmin(bootstrapServers: settings.kafka.bootstrapServers, properties: settings.kafka.properties, logger: logger)
        var services = try BuiltInWorkers.services(
            names, .init(settings: settings), configuration: settings.workers, topics: admin, logger: logger)
        if let metrics, let (host, port) = MetricsEndpoint.address(metrics) {
            services.append(MetricsEndpoint.application(registry: registry, host: host, port: port, logger: logger))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}
