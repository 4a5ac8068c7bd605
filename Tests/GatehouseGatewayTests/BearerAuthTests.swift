import CryptoExtras
import Foundation
import GatehouseGateway
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import Testing

/// Entra's bearer tokens on the External ID routes: signed with keys from a JWKS (file or URL), and every
/// claim Microsoft documents checked.
@Suite struct BearerAuthTests {
    static let tenant = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"
    static let audience = "api://gatehouse-extension"

    struct TokenClaims: JWTPayload {
        var aud: AudienceClaim
        var iss: IssuerClaim
        var exp: ExpirationClaim
        var nbf: NotBeforeClaim?
        var azp: String?
        var appid: String?
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    /// An RSA key pair in the role of Entra's signing key, and its JWKS (without `alg`, as Entra publishes it).
    struct Issuer {
        let keys = JWTKeyCollection()
        let jwks: String
        let publicPEM: String

        init(kid: String) async throws {
            let key = try Insecure.RSA.PrivateKey(backing: .init(keySize: .bits2048))
            await keys.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            let (modulus, exponent) = try key.publicKey.getKeyPrimitives()
            jwks =
                #"{"keys":[{"kty":"RSA","use":"sig","kid":"\#(kid)","n":"\#(Self.base64URL(modulus))","e":"\#(Self.base64URL(exponent))"}]}"#
            publicPEM = key.publicKey.pemRepresentation
        }

        static func base64URL(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }

        func token(
            audience: String = BearerAuthTests.audience,
            issuer: String = BearerAuthTests.tenant,
            azp: String? = "99045fe1-7639-4a75-9d4a-577b6ca3810f",
            appid: String? = nil,
            expires: TimeInterval = 600,
            notBefore: TimeInterval = -60,
            kid: String = "k1"
        ) async throws -> String {
            let claims = TokenClaims(
                aud: .init(value: [audience]), iss: .init(value: issuer), exp: .init(value: Date().addingTimeInterval(expires)),
                nbf: .init(value: Date().addingTimeInterval(notBefore)), azp: azp, appid: appid
            )
            return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
        }
    }

    static func withBearerGateway(
        source: @escaping @Sendable (Issuer) async throws -> BearerConfiguration.KeySource,
        _ body: @escaping @Sendable (any TestClientProtocol, Issuer) async throws -> Void
    ) async throws {
        let issuer = try await Issuer(kid: "k1")
        let keySource = try await source(issuer)
        try await GatewayFixture.withGateway(configure: { configuration in
            configuration.extensionBearer = BearerConfiguration(keys: keySource, audience: audience, issuers: [tenant])
        }) { client, _, _ in
            try await body(client, issuer)
        }
    }

    static func post(_ client: any TestClientProtocol, token: String?) async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(
            uri: "/v1/extensions", method: .post, headers: headers,
            body: ByteBuffer(string: ExternalIDSamples.submitText(email: "jwt@example.com", correlation: UUID().uuidString))
        )
    }

    static func jwksFile(_ issuer: Issuer) throws -> BearerConfiguration.KeySource {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("jwks") + ".json")
        try issuer.jwks.write(to: file, atomically: true, encoding: .utf8)
        return .file(file.path)
    }

    @Test func validTokensAreAcceptedAndEveryBadOneGetsTheSame401() async throws {
        try await Self.withBearerGateway(source: { try Self.jwksFile($0) }) { client, issuer in
            #expect(try await Self.post(client, token: try await issuer.token()).status == .ok)
            // A v1 token names the calling app in `appid`.
            #expect(
                try await Self.post(client, token: try await issuer.token(azp: nil, appid: "99045fe1-7639-4a75-9d4a-577b6ca3810f")).status
                    == .ok)

            let stranger = try await Issuer(kid: "k1")
            let header = Issuer.base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
            let claims = Issuer.base64URL(
                Data(
                    #"{"aud":"\#(Self.audience)","iss":"\#(Self.tenant)","exp":\#(Int(Date().timeIntervalSince1970) + 600),"azp":"99045fe1-7639-4a75-9d4a-577b6ca3810f"}"#
                        .utf8))
            let unsigned = "\(header).\(claims)."
            // Algorithm confusion: HS256 keyed with the public key's PEM, which an attacker can read.
            let hmacKeys = await JWTKeyCollection().add(hmac: HMACKey(from: issuer.publicPEM), digestAlgorithm: .sha256, kid: "k1")
            let confused = try await hmacKeys.sign(
                TokenClaims(
                    aud: .init(value: [Self.audience]), iss: .init(value: Self.tenant), exp: .init(value: Date().addingTimeInterval(600)),
                    nbf: nil, azp: "99045fe1-7639-4a75-9d4a-577b6ca3810f", appid: nil),
                kid: "k1"
            )
            let rejected: [String?] = [
                nil,
                "not-a-jwt",
                unsigned,
                confused,
                try await stranger.token(),
                try await issuer.token(expires: -3600),
                try await issuer.token(notBefore: 3600),
                try await issuer.token(audience: "api://someone-else"),
                try await issuer.token(issuer: "https://login.microsoftonline.com/other-tenant/v2.0"),
                try await issuer.token(azp: "00000000-0000-0000-0000-000000000000"),
                try await issuer.token(kid: "unknown-kid"),
            ]
            var bodies: Set<String> = []
            for token in rejected {
                let response = try await Self.post(client, token: token)
                #expect(response.status == .unauthorized, "accepted: \(token ?? "no token")")
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="gatehouse""#)
                bodies.insert(response.text)
            }
            #expect(bodies.count == 1)
        }
    }

    @Test func keysComeFromAJWKSURLServedOverHTTP() async throws {
        let issuer = try await Issuer(kid: "k1")
        let router = Router()
        let jwks = issuer.jwks
        router.get("/keys") { _, _ in jwks }
        let server = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await server.test(.live) { jwksClient in
            let url = "http://127.0.0.1:\(try #require(jwksClient.port))/keys"
            try await GatewayFixture.withGateway(configure: { configuration in
                configuration.extensionBearer = BearerConfiguration(keys: .url(url), audience: Self.audience, issuers: [Self.tenant])
            }) { client, _, _ in
                let accepted = try await Self.post(client, token: try await issuer.token())
                let refused = try await Self.post(client, token: nil)
                #expect(accepted.status == .ok)
                #expect(refused.status == .unauthorized)
            }
        }
    }
}
