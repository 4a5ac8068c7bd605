import Foundation
import GatehouseGateway
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import MetricsTestKit
import Testing
import X509

/// Client certificates (mutual TLS) on the connector routes, over real TLS on loopback: certificates
/// issued by a client CA, pinned fingerprints (two at once, for a rollover), Basic as an alternative,
/// and the same 401 whatever was wrong.
@Suite struct ClientCertificateTests {
    static let failures: @Sendable (String) -> Int64 = { scheme in
        RecordedMetrics.shared.counterTotal(
            label: "gatehouse_auth_failures_total", dimensions: [("group", "connectors"), ("scheme", scheme)])
    }

    static func withPKI<T: Sendable>(_ body: (TestPKI) async throws -> T) async throws -> T {
        let pki = try TestPKI()
        defer { pki.remove() }
        return try await body(pki)
    }

    @Test func certificatesIssuedByTheClientCAForClientAuthenticationAreAccepted() async throws {
        try await Self.withPKI { pki in
            let issued = try pki.client("entra-connector")
            let serverOnly = try pki.client("not-for-clients", usage: .serverAuth)
            let expired = try pki.client("expired", validity: Date().addingTimeInterval(-7200)...Date().addingTimeInterval(-3600))
            let stranger = try pki.selfSigned("entra-connector")
            try await GatewayFixture.withTLSGateway(
                pki: pki,
                configure: { configuration in
                    configuration.tls?.clientCertificate = .optional
                    configuration.tls?.clientCAFile = pki.authority.certificateFile
                    configuration.connectorClientCertificate = true
                }
            ) { port async throws in
                let accepted = try await TLSRequests.post(port: port, pki: pki, presenting: issued)
                #expect(accepted.status == .ok)
                #expect(accepted.text.contains("Continue"))
                for rejected in [serverOnly, expired, stranger] {
                    let response = try await TLSRequests.post(port: port, pki: pki, presenting: rejected)
                    #expect(response.status == .unauthorized, "accepted \(rejected.name)")
                }
            }
        }
    }

    @Test func eitherOfTwoPinnedCertificatesIsAcceptedDuringARollover() async throws {
        try await Self.withPKI { pki in
            let outgoing = try pki.selfSigned("entra-2025")
            let incoming = try pki.selfSigned("entra-2026")
            let unpinned = try pki.selfSigned("someone-else")
            let expired = try pki.selfSigned("entra-2024", validity: Date().addingTimeInterval(-7200)...Date().addingTimeInterval(-3600))
            // One pin as `openssl -fingerprint` prints it (upper case, colons), one as plain lower-case hex.
            let digits = Array(outgoing.sha256Hex.uppercased())
            let colons = stride(from: 0, to: digits.count, by: 2).map { String(digits[$0..<$0 + 2]) }.joined(separator: ":")
            try await GatewayFixture.withTLSGateway(
                pki: pki,
                configure: { configuration in
                    configuration.tls?.clientCertificate = .optional
                    configuration.tls?.clientFingerprints = [
                        CertificateFingerprint(colons)!, CertificateFingerprint(incoming.sha256Hex)!,
                        CertificateFingerprint(expired.sha256Hex)!,
                    ]
                    configuration.connectorClientCertificate = true
                }
            ) { port async throws in
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: outgoing).status == .ok)
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: incoming).status == .ok)
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: unpinned).status == .unauthorized)
                // A pin does not outlive its certificate.
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: expired).status == .unauthorized)
                // Issued by the CA, but the CA is not configured here: only the pins count.
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: try pki.client("ca-issued")).status == .unauthorized)
            }
        }
    }

    @Test func anUnknownCertificateOrNoneGetsTheSame401WithAChallengeAndAMetric() async throws {
        try await Self.withPKI { pki in
            let pinned = try pki.selfSigned("pinned")
            let stranger = try pki.selfSigned("stranger")
            try await GatewayFixture.withTLSGateway(
                pki: pki,
                configure: { configuration in
                    configuration.tls?.clientCertificate = .optional
                    configuration.tls?.clientCAFile = pki.authority.certificateFile
                    configuration.tls?.clientFingerprints = [CertificateFingerprint(pinned.sha256Hex)!]
                    configuration.connectorClientCertificate = true
                }
            ) { port async throws in
                let before = Self.failures("client_certificate")
                let strangerResponse = try await TLSRequests.post(port: port, pki: pki, presenting: stranger)
                let noneResponse = try await TLSRequests.post(port: port, pki: pki, presenting: nil)
                for response in [strangerResponse, noneResponse] {
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[values: .wwwAuthenticate] == [#"ClientCertificate realm="gatehouse""#])
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
                #expect(strangerResponse.text == noneResponse.text, "the answer never says what was wrong")
                // Other tests may fail authentication at the same time; this test's two failures are counted.
                #expect(Self.failures("client_certificate") >= before + 2)
                // Routes outside the group need no certificate when it is optional.
                #expect(try await TLSRequests.get(port: port, pki: pki, presenting: nil, path: "/healthz").status == .ok)
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: pinned).status == .ok)
            }
        }
    }

    @Test func basicCredentialsAndCertificatesAreAlternatives() async throws {
        try await Self.withPKI { pki in
            let issued = try pki.client("entra-connector")
            let stranger = try pki.selfSigned("stranger")
            try await GatewayFixture.withTLSGateway(
                pki: pki,
                configure: { configuration in
                    configuration.tls?.clientCertificate = .optional
                    configuration.tls?.clientCAFile = pki.authority.certificateFile
                    configuration.connectorClientCertificate = true
                    configuration.connectorCredentials = [GatewayFixture.credential]
                }
            ) { port async throws in
                let basic = GatewayFixture.headers()
                let wrongBasic = GatewayFixture.headers(password: "wrong")
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: nil, headers: basic).status == .ok)
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: stranger, headers: basic).status == .ok)
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: issued).status == .ok)
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: issued, headers: wrongBasic).status == .ok)

                let before = Self.failures("basic_or_client_certificate")
                let refused = try await TLSRequests.post(port: port, pki: pki, presenting: stranger, headers: wrongBasic)
                #expect(refused.status == .unauthorized)
                #expect(
                    refused.headers[values: .wwwAuthenticate] == [
                        #"Basic realm="gatehouse", charset="UTF-8""#, #"ClientCertificate realm="gatehouse""#,
                    ])
                #expect(Self.failures("basic_or_client_certificate") >= before + 1)
            }
        }
    }

    @Test func requiredCertificatesAreDemandedInTheHandshakeAndStillCheckedPerRoute() async throws {
        try await Self.withPKI { pki in
            let issued = try pki.client("entra-connector")
            let stranger = try pki.selfSigned("stranger")
            try await GatewayFixture.withTLSGateway(
                pki: pki,
                configure: { configuration in
                    configuration.tls?.clientCertificate = .required
                    configuration.tls?.clientCAFile = pki.authority.certificateFile
                    configuration.connectorClientCertificate = true
                }
            ) { port async throws in
                await #expect(throws: (any Error).self) {
                    try await TLSRequests.get(port: port, pki: pki, presenting: nil, path: "/healthz")
                }
                #expect(try await TLSRequests.get(port: port, pki: pki, presenting: stranger, path: "/healthz").status == .ok)
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: stranger).status == .unauthorized)
                #expect(try await TLSRequests.post(port: port, pki: pki, presenting: issued).status == .ok)
            }
        }
    }

    @Test func certificateAuthenticationWithoutTLSClientCertificatesRefusesToStart() async throws {
        let error = await #expect(throws: GatewayTLSError.self) {
            try await GatewayFixture.withGateway(configure: { $0.connectorClientCertificate = true }) { _, _, _ in }
        }
        #expect(error?.field == .connectorClientCertificate)
    }
}
