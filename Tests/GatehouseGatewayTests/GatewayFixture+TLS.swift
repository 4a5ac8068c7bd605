import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Metrics
import MetricsTestKit
import NIOCore
import NIOSSL
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

/// Requests over a real TLS connection (Hummingbird's test client on swift-nio-ssl), one connection each.
enum TLSRequests {
    /// Posts a connector call to `path`, presenting `certificate` (or none) and trusting `pki`'s authority
    /// for the server's certificate.
    static func post(
        port: Int,
        pki: TestPKI,
        presenting certificate: TestCertificate?,
        path: String = "/v1/connectors",
        headers: HTTPFields = GatewayFixture.headers(nil)
    ) async throws -> TestClient.Response {
        try await send(
            port: port, pki: pki, presenting: certificate,
            .init(
                path, method: .post, authority: "localhost", headers: headers, body: ByteBuffer(string: #"{"email":"ada@example.com"}"#)))
    }

    /// Gets `path`, presenting `certificate` (or none).
    static func get(port: Int, pki: TestPKI, presenting certificate: TestCertificate?, path: String) async throws -> TestClient.Response {
        try await send(port: port, pki: pki, presenting: certificate, .init(path, method: .get, authority: "localhost"))
    }

    private static func send(port: Int, pki: TestPKI, presenting certificate: TestCertificate?, _ request: TestClient.Request)
        async throws -> TestClient.Response
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(pki.authority.certificatePEM.utf8), format: .pem)])
        if let certificate {
            tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: Array(certificate.certificatePEM.utf8), format: .pem))]
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.privateKeyPEM.utf8), format: .pem))
        }
        return try await TestClient.withClient(
            host: "127.0.0.1", port: port, configuration: .init(tlsConfiguration: tls, timeout: .seconds(10), serverName: "localhost")
        ) { client in
            try await client.execute(request)
        }
    }
}

/// The test process's metrics backend, bootstrapped once on first use, so that tests can read counters
/// such as `gatehouse_auth_failures_total`. Counters are process-wide: compare before and after.
enum RecordedMetrics {
    static let shared: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        return metrics
    }()
}

extension TestClient.Response {
    var text: String { body.map { String(buffer: $0) } ?? "" }
}
