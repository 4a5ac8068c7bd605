import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseTestSupport
import Hummingbird
import ServiceLifecycle

extension GatewayFixture {
    /// A live HTTPS gateway serving `pki`'s server certificate, on its own embedded cluster, topic, data
    /// folder and port. `body` gets the port; each request in it opens its own TLS connection, so that each
    /// can present a different client certificate.
    static func withTLSGateway<T: Sendable>(
        pki: TestPKI,
        configure: @Sendable (inout GatewayConfiguration) -> Void,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        try await TestFixtures.withCluster { cluster in
            var configuration = GatewayConfiguration()
            configuration.port = 0
            configuration.topic = TestFixtures.unique("signups")
            configuration.instance = "test"
            configuration.tls = .init(certificateChainFile: pki.server.certificateFile, privateKeyFile: pki.server.privateKeyFile)
            configure(&configuration)
            let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("gateway"))
            defer { try? FileManager.default.removeItem(at: dataDirectory) }
            var kafka = TestFixtures.producerConfiguration(cluster)
            kafka.shutdownTimeout = .seconds(5)
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let app = try await Gateway.makeApplication(
                configuration: configuration,
                dependencies: .init(kafka: kafka, topics: cluster, dataDirectory: dataDirectory),
                logger: TestFixtures.logger("gateway"),
                onServerRunning: { port in portContinuation.yield(port) }
            )
            let services = ServiceGroup(configuration: .init(services: [app], logger: TestFixtures.logger("services")))
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await services.run() }
                defer { portContinuation.finish() }
                do {
                    let port = try await withDeadline(.seconds(30), "the gateway to listen") {
                        var iterator = ports.makeAsyncIterator()
                        guard let port = await iterator.next() else { throw CancellationError() }
                        return port
                    }
                    let value = try await body(port)
                    await services.triggerGracefulShutdown()
                    try await group.waitForAll()
                    return value
                } catch {
                    await services.triggerGracefulShutdown()
                    throw error
                }
            }
        }
    }
}
