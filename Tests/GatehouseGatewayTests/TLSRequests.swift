import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOSSL

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

extension TestClient.Response {
    var text: String { body.map { String(buffer: $0) } ?? "" }
}
