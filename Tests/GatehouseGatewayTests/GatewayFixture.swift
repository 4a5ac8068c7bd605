import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A live gateway on its own embedded cluster, topic and data folder.
enum GatewayFixture {
    static let credential = BasicCredential(username: "entra", password: "s3cret-pass")
    static let rotated = BasicCredential(username: "entra", password: "next-pass")

    static func withGateway<T: Sendable>(
        durability: GatewayConfiguration.Durability = .local,
        decider: any SignupDecider = ContinueDecider(),
        configure: @Sendable (inout GatewayConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (any TestClientProtocol, EmbeddedKafkaCluster, String) async throws -> T
    ) async throws -> T {
        try await TestFixtures.withCluster { cluster in
            var configuration = GatewayConfiguration()
            configuration.port = 0
            configuration.durability = durability
            configuration.topic = TestFixtures.unique("signups")
            configuration.instance = "test"
            configuration.connectorCredentials = [credential, rotated]
            configuration.extensionCredentials = [credential]
            configure(&configuration)
            let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("gateway"))
            defer { try? FileManager.default.removeItem(at: dataDirectory) }
            var kafka = TestFixtures.producerConfiguration(cluster)
            kafka.shutdownTimeout = .seconds(5)
            let app = try await Gateway.makeApplication(
                configuration: configuration,
                dependencies: .init(kafka: kafka, topics: cluster, dataDirectory: dataDirectory, decider: decider),
                logger: TestFixtures.logger("gateway")
            )
            let topic = configuration.topic
            return try await app.test(.live) { client in try await body(client, cluster, topic) }
        }
    }

    /// Headers with Basic credentials and a JSON content type.
    static func headers(
        _ credential: BasicCredential? = credential, password: String = "s3cret-pass", contentType: String? = "application/json"
    )
        -> HTTPFields
    {
        var fields = HTTPFields()
        if let credential {
            let token = Data("\(credential.username):\(password)".utf8).base64EncodedString()
            fields[.authorization] = "Basic \(token)"
        }
        if let contentType { fields[.contentType] = contentType }
        return fields
    }

    static func post(
        _ client: any TestClientProtocol,
        _ path: String,
        _ body: String,
        headers: HTTPFields = headers()
    ) async throws -> TestResponse {
        try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONValue.parse(response.body.readableBytesView)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}
