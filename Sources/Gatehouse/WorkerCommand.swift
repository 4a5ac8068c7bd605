import ArgumentParser
import Foundation
import GatehouseKafka
import GatehouseSettings
import GatehouseWorkers
import Metrics
import Prometheus
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

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        for name in names where !BuiltInWorkers.names.contains(name) { throw ValidationError("\(UnknownWorker(name: name))") }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "gatehouse.worker")
        let settings: GatehouseSettings
        do {
            settings = try await GatehouseSettings.load(path: config)
        } catch {
            throw ValidationError("\(config): \(error)")
        }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()))
        let admin = try KafkaAdmin(bootstrapServers: settings.kafka.bootstrapServers, properties: settings.kafka.properties, logger: logger)
        let services = try BuiltInWorkers.services(
            names, .init(settings: settings), configuration: settings.workers, topics: admin, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}
