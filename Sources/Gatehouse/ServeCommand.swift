import ArgumentParser
import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseRules
import GatehouseSettings
import GatehouseSignup
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// `gatehouse serve --config FILE`: the gateway against real Kafka brokers.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway against the Kafka cluster named in the configuration.",
        discussion: """
            Reads the YAML configuration (see ops/gatehouse.example.yaml); GATEHOUSE_* environment variables
            override its keys. Creates the sign-up topic if it is missing. Serves until SIGTERM or Ctrl-C, then
            stops accepting, answers what is in flight, drains the outbox while the brokers are reachable, and stops.
            """
    )

    @Option(help: "The configuration file.")
    var config: String

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.bootstrap(label: "gatehouse.serve")
        let settings: GatehouseSettings
        do {
            settings = try await GatehouseSettings.load(path: config)
        } catch {
            throw ValidationError("\(config): \(error)")
        }
        let registry = MetricsBackend.bootstrap()
        let admin = try KafkaAdmin(
            bootstrapServers: settings.kafka.bootstrapServers,
            properties: settings.kafka.properties,
            logger: logger
        )
        let rules = settings.rules.map { RulesRuntime(source: $0.source, loaded: $0.loaded, logger: logger) }
        let app = try await Gateway.makeApplication(
            configuration: settings.gateway,
            dependencies: .init(
                kafka: settings.kafka,
                topics: admin,
                dataDirectory: settings.dataDirectory,
                decider: rules?.engine ?? ContinueDecider(),
                metrics: registry,
                services: rules.map { [$0.reloader] } ?? [IgnoredHangups(logger: logger)]
            ),
            logger: logger,
            onServerRunning: { port in
                // The first line of standard output is the address, for scripts and supervisors.
                let scheme = settings.gateway.tls == nil ? "http" : "https"
                FileHandle.standardOutput.write(Data("\(scheme)://\(settings.gateway.host):\(port)\n".utf8))
                logger.notice(
                    "Gatehouse is serving",
                    metadata: [
                        "address": "\(settings.gateway.host):\(port)", "durability": "\(settings.gateway.durability)",
                        "topic": "\(settings.gateway.topic)",
                    ]
                )
            }
        )
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}

/// `gatehouse check-config FILE`: validates a configuration and names each bad key.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file (with GATEHOUSE_* overrides) and name every bad key."
    )

    @Argument(help: "The configuration file.")
    var file: String

    func run() async throws {
        do {
            let settings = try await GatehouseSettings.load(path: file)
            let rules = settings.rules?.loaded.ruleSet.rules.count ?? 0
            print(
                "\(file): OK (durability \(settings.gateway.durability), topic \(settings.gateway.topic), port \(settings.gateway.port), \(rules) rules)"
            )
        } catch {
            FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
