import Foundation
import GatehouseGateway
import GatehouseSettings
import GatehouseTestSupport
import Testing

/// The `tls` keys and `auth.connectors.client_certificate`: loaded into the gateway's configuration, and
/// every mistake named by its key, missing files and bad PEM included.
@Suite struct TLSSettingsTests {
    static func write(_ yaml: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("settings") + ".yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    static func problems(_ yaml: String, environment: [String: String] = [:]) async throws -> [String] {
        let path = try write(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = await #expect(throws: ConfigurationProblems.self) {
            try await GatehouseSettings.load(path: path, environment: environment)
        }
        return error?.problems ?? []
    }

    @Test func tlsKeysReachTheGatewayConfiguration() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let first = try pki.selfSigned("entra-2025")
        let second = try pki.selfSigned("entra-2026")
        let path = try Self.write(
            """
            kafka: {bootstrap_servers: [a:9092]}
            auth:
              connectors:
                basic: ["entra:s3cret"]
                client_certificate: true
            tls:
              cert_file: \(pki.server.certificateFile)
              key_file: \(pki.server.privateKeyFile)
              client_ca_file: \(pki.authority.certificateFile)
              client_fingerprints: ["\(first.sha256Hex.uppercased())"]
            """
        )
        let settings = try await GatehouseSettings.load(path: path, environment: [:])
        let tls = try #require(settings.gateway.tls)
        #expect(tls.certificateChainFile == pki.server.certificateFile)
        #expect(tls.privateKeyFile == pki.server.privateKeyFile)
        #expect(tls.clientCAFile == pki.authority.certificateFile)
        #expect(tls.clientCertificate == .optional, "asking for certificates is the default once there is something to check them against")
        #expect(tls.clientFingerprints.map(\.description) == [CertificateFingerprint(first.sha256Hex)!.description])
        #expect(settings.gateway.connectorClientCertificate)
        #expect(settings.gateway.connectorCredentials.count == 1)

        // Two fingerprints from the environment during a rollover, and the mode spelled out.
        let overridden = try await GatehouseSettings.load(
            path: path,
            environment: [
                "GATEHOUSE_TLS_CLIENT_FINGERPRINTS": "\(first.sha256Hex),\(second.sha256Hex)",
                "GATEHOUSE_TLS_CLIENT_CERTIFICATE": "required",
            ]
        )
        #expect(overridden.gateway.tls?.clientFingerprints.count == 2)
        #expect(overridden.gateway.tls?.clientCertificate == .required)
    }

    @Test func missingFilesBadPEMAndBadFingerprintsAreNamedByKey() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let garbage = pki.directory.appendingPathComponent("garbage.pem").path
        try "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n".write(
            toFile: garbage, atomically: true, encoding: .utf8)
        let missing = pki.directory.appendingPathComponent("missing.pem").path
        let problems = try await Self.problems(
            """
            kafka: {bootstrap_servers: [a:9092]}
            tls:
              cert_file: \(missing)
              key_file: \(garbage)
              client_ca_file: \(garbage)
              client_fingerprints: ["not-hex", "\(pki.authority.sha256Hex)"]
              client_certificate: sometimes
            """
        )
        #expect(problems.contains("tls.cert_file: cannot read \(missing)"))
        #expect(problems.contains("tls.key_file: \(garbage) holds no unencrypted PEM private key"))
        #expect(problems.contains("tls.client_ca_file: \(garbage) holds no PEM certificate"))
        #expect(
            problems.contains(
                "tls.client_fingerprints[0]: 'not-hex' is not a SHA-256 fingerprint (64 hexadecimal digits, with or without colons)"))
        #expect(problems.contains("tls.client_certificate: 'sometimes' is not one of required, optional, none"))
        #expect(!problems.joined().contains("bm90IGEga2V5"), "key material is never echoed")
    }

    @Test func aKeyThatIsNotTheCertificatesIsNamed() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let problems = try await Self.problems(
            """
            kafka: {bootstrap_servers: [a:9092]}
            tls: {cert_file: \(pki.server.certificateFile), key_file: \(pki.authority.privateKeyFile)}
            """
        )
        #expect(problems.contains { $0.hasPrefix("tls.key_file: \(pki.authority.privateKeyFile) cannot be used with") })
    }

    @Test func certificateAuthenticationNeedsSomethingToCheckAgainst() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let withoutTLS = try await Self.problems(
            """
            kafka: {bootstrap_servers: [a:9092]}
            auth: {connectors: {client_certificate: true}}
            """
        )
        #expect(withoutTLS.contains { $0.hasPrefix("auth.connectors.client_certificate: needs HTTPS with client certificates") })

        let nothingToCheck = try await Self.problems(
            """
            kafka: {bootstrap_servers: [a:9092]}
            auth: {connectors: {client_certificate: true}}
            tls: {cert_file: \(pki.server.certificateFile), key_file: \(pki.server.privateKeyFile), client_certificate: required}
            """
        )
        #expect(nothingToCheck.contains { $0.hasPrefix("tls.client_certificate: 'required' asks for client certificates") })

        let keyMissing = try await Self.problems(
            """
            kafka: {bootstrap_servers: [a:9092]}
            tls: {cert_file: \(pki.server.certificateFile), client_ca_file: \(pki.authority.certificateFile)}
            """
        )
        #expect(keyMissing.contains { $0.hasPrefix("tls.key_file: required") })
    }
}
