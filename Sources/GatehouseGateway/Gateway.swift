public import Foundation
public import GatehouseKafka
import GatehouseOutbox
public import GatehouseSignup
public import Hummingbird
import HummingbirdTLS
public import Logging
import NIOCore
public import Prometheus
public import ServiceLifecycle

/// Assembles a gateway: the Kafka producer, the outbox and its publisher (with local durability), the
/// pipeline and the HTTP routes, as one Hummingbird application whose services shut down in order:
/// the server stops accepting and answers what is in flight, the publisher drains the outbox while the
/// broker is reachable, the producer flushes, and the outbox closes.
public enum Gateway {
    /// What a gateway needs besides its configuration.
    public struct Dependencies: Sendable {
        /// How to reach Kafka.
        public var kafka: KafkaProducerConfiguration
        /// Creates the sign-up topic if it is missing: the embedded cluster, or a real cluster's admin API.
        public var topics: any KafkaTopicCreating
        /// Where the outbox lives (local durability).
        public var dataDirectory: URL
        /// The decision maker; Continue by default.
        public var decider: any SignupDecider
        /// Where `/metrics` reads from; `nil` serves an empty page.
        public var metrics: PrometheusCollectorRegistry?
        /// Services to run first and stop last, such as an embedded cluster.
        public var services: [any Service]

        public init(
            kafka: KafkaProducerConfiguration,
            topics: any KafkaTopicCreating,
            dataDirectory: URL,
            decider: any SignupDecider = ContinueDecider(),
            metrics: PrometheusCollectorRegistry? = nil,
            services: [any Service] = []
        ) {
            self.kafka = kafka
            self.topics = topics
            self.dataDirectory = dataDirectory
            self.decider = decider
            self.metrics = metrics
            self.services = services
        }
    }

    /// Builds the application. Creates the data directory and the topic if needed.
    ///
    /// - Parameter onServerRunning: called with the bound port once the server listens.
    /// - Throws: ``GatewayTLSError`` when ``GatewayConfiguration/tls`` names files that cannot be used or
    ///   settings that contradict each other; Kafka and outbox errors as they come.
    public static func makeApplication(
        configuration: GatewayConfiguration,
        dependencies: Dependencies,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        // TLS files are read first, so that a bad one fails the start before anything is created.
        let tls = try configuration.tls.map { try TLSMaterial($0) }
        if configuration.connectorClientCertificate, configuration.tls.map({ $0.clientCertificate == .none }) ?? true {
            throw GatewayTLSError(
                .inconsistent, .connectorClientCertificate,
                "the connector routes accept client certificates, but TLS does not ask callers for one")
        }
        try await dependencies.topics.createTopics([
            KafkaTopicSpecification(name: configuration.topic, partitions: 12, configs: ["retention.ms": "-1"])
        ])
        var kafka = dependencies.kafka
        if configuration.durability == .local {
            // The outbox keeps every event until the brokers acknowledge it: never give up on one.
            kafka.messageTimeout = .zero
        }
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        let health = GatewayHealth()
        let retries = RetryWindow(window: configuration.retryWindow)
        var services = dependencies.services
        let recorder: any SignupRecorder
        switch configuration.durability {
        case .local:
            try FileManager.default.createDirectory(at: dependencies.dataDirectory, withIntermediateDirectories: true)
            var outboxConfiguration = OutboxConfiguration(path: dependencies.dataDirectory.appendingPathComponent("outbox.sqlite").path)
            outboxConfiguration.maxRecords = configuration.outboxMaxRecords
            outboxConfiguration.retention = configuration.retryWindow
            let outbox = try SQLiteOutbox(configuration: outboxConfiguration, logger: logger)
            let since = Date().addingTimeInterval(-Double(configuration.retryWindow.components.seconds))
            for record in try outbox.recentAnswers(since: since) {
                guard let fingerprint = record.fingerprint else { continue }
                retries.remember(
                    .init(eventID: record.eventID, status: record.responseStatus, body: record.responseBody, at: record.createdAt),
                    for: SignupFingerprint(hex: fingerprint)
                )
            }
            recorder = OutboxRecorder(outbox: outbox, topic: configuration.topic)
            services += [OutboxCloser(outbox: outbox), producer, OutboxPublisher(outbox: outbox, producer: producer, logger: logger)]
        case .kafka:
            recorder = AcknowledgedRecorder(producer: producer, topic: configuration.topic)
            services.append(producer)
        default:
            recorder = QueuedRecorder(producer: producer, topic: configuration.topic)
            services.append(producer)
        }
        var bearer: EntraTokenValidator?
        if let configuration = configuration.extensionBearer {
            let validator = EntraTokenValidator(configuration: configuration, logger: logger)
            await validator.loadKeys()
            services.append(validator)
            bearer = validator
        }
        let pipeline = SignupPipeline(
            configuration: configuration,
            decider: dependencies.decider,
            recorder: recorder,
            retries: retries,
            health: health,
            logger: logger
        )
        let router = GatewayRouter.make(
            configuration: configuration,
            pipeline: pipeline,
            health: health,
            bearer: bearer,
            clientCertificates: tls?.clientCertificates,
            metrics: dependencies.metrics,
            logger: logger
        )
        return Application(
            router: router,
            server: .gateway(tls: tls?.channelConfiguration),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            services: services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }
}

/// Closes the outbox at shutdown, after the publisher has drained it.
struct OutboxCloser: Service {
    let outbox: SQLiteOutbox

    func run() async throws {
        try? await gracefulShutdown()
        await outbox.close()
    }
}
