import ArgumentParser
import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseRules
import GatehouseSignup
import GatehouseWorkers
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// `gatehouse dev`: the embedded Kafka cluster, the gateway and the built-in workers in one process,
/// bound to loopback, with SQLite under a data folder.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the gateway with an embedded Kafka cluster on loopback, for trying Gatehouse locally.",
        discussion: """
            Binds 127.0.0.1 only. Prints the gateway's URL, the Basic credentials (generated unless given) and
            the Kafka bootstrap address, then serves until SIGTERM or Ctrl-C, draining the outbox on the way out.
            """
    )

    @Option(help: "The gateway's port (0 picks a free one).")
    var port: Int = 8080

    @Option(help: "A fixed port for the embedded Kafka cluster's bootstrap address (default: any free port).")
    var brokerPort: Int?

    @Option(help: "Where the outbox and other SQLite files live.")
    var dataDir: String = "data"

    @Option(help: "Basic credentials for the connector and extension endpoints, as user:password (default: generated).")
    var basicAuth: String?

    @Option(help: "When an answer counts as recorded: local (outbox, fsync'd), kafka (broker ack) or none.")
    var durability: String = "local"

    @Option(help: "A rules file (see ops/rules.example.yaml); reloaded when it changes or on SIGHUP.")
    var rules: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, not \(port)") }
        if let brokerPort, !(0...65535).contains(brokerPort) {
            throw ValidationError("--broker-port must be between 0 and 65535, not \(brokerPort)")
        }
        if let basicAuth, BasicCredential(basicAuth) == nil {
            throw ValidationError("--basic-auth must be user:password")
        }
        guard GatewayConfiguration.Durability(rawValue: durability) != nil else {
            throw ValidationError("--durability must be local, kafka or none, not '\(durability)'")
        }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "gatehouse.dev")
        let registry = MetricsBackend.bootstrap()

        let rules = try self.rules.map { try RulesRuntime(source: RuleSource(path: $0), logger: logger) }
        let cluster = try EmbeddedKafkaCluster(brokers: 1, port: brokerPort, logger: logger)
        let credentialText = basicAuth ?? "gatehouse:\(Self.generatedPassword())"
        guard let credential = BasicCredential(credentialText) else { throw ValidationError("--basic-auth must be user:password") }

        var configuration = GatewayConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = port
        configuration.durability = GatewayConfiguration.Durability(rawValue: durability) ?? .local
        configuration.instance = "dev"
        configuration.connectorCredentials = [credential]
        configuration.extensionCredentials = [credential]
        var kafka = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        kafka.clientID = "gatehouse-dev"
        kafka.linger = configuration.durability.defaultLinger
        let dataDirectory = URL(fileURLWithPath: dataDir)
        let topic = configuration.topic
        var workers = WorkerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        workers.sourceTopics = [topic]
        workers.dataDirectory = dataDirectory
        let inputs = BuiltInWorkers.Inputs(dataDirectory: dataDirectory)
        let runners = try BuiltInWorkers.services(BuiltInWorkers.names, inputs, configuration: workers, topics: cluster, logger: logger)
        let app = try await Gateway.makeApplication(
            configuration: configuration,
            dependencies: .init(
                kafka: kafka,
                topics: cluster,
                dataDirectory: dataDirectory,
                decider: rules?.engine ?? ContinueDecider(),
                metrics: registry,
                services: [EmbeddedClusterService(cluster: cluster)] + (rules.map { [$0.reloader] } ?? [IgnoredHangups(logger: logger)])
                    + runners
            ),
            logger: logger,
            onServerRunning: { boundPort in
                let banner = """
                    Gatehouse dev is running.
                      URL:         http://127.0.0.1:\(boundPort)
                      Basic auth:  \(credentialText)
                      Kafka:       \(cluster.bootstrapServers) (topic \(topic))
                      Data:        \(dataDirectory.path)
                      Workers:     \(BuiltInWorkers.names.joined(separator: ", ")) (notifications to \(dataDirectory.appendingPathComponent("notifications.jsonl").path); dev has no grant rules, so permissions grants nothing)
                      Stores:      \(inputs.auditDatabase), \(inputs.permissionsDatabase)
                    Try: curl -u '\(credentialText)' -H 'Content-Type: application/json' \\
                           -d '{"email":"ada@example.com","givenName":"Ada"}' http://127.0.0.1:\(boundPort)/v1/connectors/post-attribute-collection

                    """
                FileHandle.standardOutput.write(Data(banner.utf8))
            }
        )
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// 24 characters from a cryptographically secure source.
    static func generatedPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}
