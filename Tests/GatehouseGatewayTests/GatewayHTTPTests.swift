import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import MetricsTestKit
import NIOCore
import Testing

@Suite struct GatewayHTTPTests {
    @Test(arguments: [
        "/v1/connectors/post-federation-signup", "/v1/connectors/post-attribute-collection", "/v1/connectors/pre-token-issuance",
        "/v1/connectors",
    ])
    func apiConnectorRoutesAnswerContinueExactly(path: String) async throws {
        try await GatewayFixture.withGateway { client, _, _ in
            let response = try await GatewayFixture.post(client, path, #"{"email":"ada@example.com"}"#)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.text == #"{"action":"Continue","version":"1.0.0"}"#)
        }
    }

    @Test func externalIDRoutesAnswerTheContinueEnvelope() async throws {
        try await GatewayFixture.withGateway { client, _, _ in
            for path in ["/v1/extensions", "/v1/extensions/attribute-collection-submit"] {
                let response = try await GatewayFixture.post(
                    client, path, ExternalIDSamples.submitText(email: "g@example.com", correlation: UUID().uuidString))
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(
                    response.text
                        == #"{"data":{"@odata.type":"microsoft.graph.onAttributeCollectionSubmitResponseData","actions":[{"@odata.type":"microsoft.graph.attributeCollectionSubmit.continueWithDefaultBehavior"}]}}"#
                )
            }
            let wrongEndpoint = try await GatewayFixture.post(
                client, "/v1/extensions/attribute-collection-start", ExternalIDSamples.submitText(email: "g@example.com", correlation: "x")
            )
            #expect(wrongEndpoint.status == .badRequest)
            #expect(wrongEndpoint.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func everyAuthenticationFailureGetsTheSame401() async throws {
        try await GatewayFixture.withGateway { client, _, _ in
            var malformed = GatewayFixture.headers(nil)
            malformed[.authorization] = "Basic not-base64!"
            var bearer = GatewayFixture.headers(nil)
            bearer[.authorization] = "Bearer abc"
            let attempts: [HTTPFields] = [
                GatewayFixture.headers(nil),
                GatewayFixture.headers(password: "wrong"),
                GatewayFixture.headers(BasicCredential(username: "other", password: "s3cret-pass")),
                malformed,
                bearer,
            ]
            var bodies: Set<String> = []
            for headers in attempts {
                let response = try await GatewayFixture.post(client, "/v1/connectors/post-attribute-collection", "{}", headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == #"Basic realm="gatehouse", charset="UTF-8""#)
                #expect(response.headers[.contentType] == "application/problem+json")
                bodies.insert(response.text)
            }
            #expect(bodies.count == 1, "the answer never reveals which part was wrong")
            let extensions = try await GatewayFixture.post(client, "/v1/extensions", "{}", headers: GatewayFixture.headers(nil))
            #expect(extensions.status == .unauthorized)
        }
    }

    @Test func twoCredentialsAreAcceptedDuringRotation() async throws {
        try await GatewayFixture.withGateway { client, _, _ in
            let current = try await GatewayFixture.post(client, "/v1/connectors", #"{"email":"a@example.com"}"#)
            let next = try await GatewayFixture.post(
                client, "/v1/connectors", #"{"email":"b@example.com"}"#,
                headers: GatewayFixture.headers(GatewayFixture.rotated, password: "next-pass")
            )
            #expect(current.status == .ok)
            #expect(next.status == .ok)
        }
    }

    @Test func basicCredentialsInAnyValidSpellingAreAccepted() async throws {
        try await GatewayFixture.withGateway { client, _, _ in
            let token = Data("entra:s3cret-pass".utf8).base64EncodedString()
            // The standard token, a lowercase scheme, blanks around the token, and the same bytes with
            // non-zero trailing bits (a non-canonical encoding that still decodes to the credential).
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
            var characters = Array(token)
            #expect(characters.last == "=")
            let last = characters.count - 2
            characters[last] = alphabet[alphabet.firstIndex(of: characters[last])! | 1]
            let nonCanonical = String(characters)
            #expect(nonCanonical != token)
            #expect(Data(base64Encoded: nonCanonical) == Data("entra:s3cret-pass".utf8))
            for (authorization, expected) in [
                ("Basic \(token)", HTTPResponse.Status.ok), ("basic \(token)", .ok), ("BASIC  \(token) ", .ok),
                ("Basic \(nonCanonical)", .ok), ("Basic " + String(token.dropLast()), .unauthorized),
                ("Bearer \(token)", .unauthorized), ("Basic", .unauthorized),
            ] {
                var headers = GatewayFixture.headers(nil)
                headers[.authorization] = authorization
                let response = try await GatewayFixture.post(client, "/v1/connectors", #"{"email":"a@example.com"}"#, headers: headers)
                #expect(response.status == expected, "\(authorization)")
            }
        }
    }

    @Test func brokenInputGetsAPreciseProblem() async throws {
        // Each kind of broken input is counted in the request timer under its own outcome. The metrics
        // backend is process-wide, so the counts are compared before and after.
        let timed: @Sendable (String, String) -> Int = { route, outcome in
            RecordedMetrics.shared.timers(
                label: "gatehouse_http_request_duration_seconds", dimensions: [("route", route), ("outcome", outcome)]
            ).reduce(0) { $0 + $1.values.count }
        }
        let outcomes = [
            ("/v1/connectors", "bad_request"), ("/v1/connectors", "too_large"), ("/v1/connectors", "unsupported_media_type"),
            ("unmatched", "not_found"),
        ]
        let before = outcomes.map { timed($0.0, $0.1) }
        try await GatewayFixture.withGateway(configure: { $0.maxBodyBytes = 1024 }) { client, _, _ in
            let malformed = try await GatewayFixture.post(client, "/v1/connectors", #"{"email": "#)
            #expect(malformed.status == .badRequest)
            #expect(try GatewayFixture.json(malformed)["type"] == "https://gatehouse.dev/problems/malformed-json")

            let array = try await GatewayFixture.post(client, "/v1/connectors", "[1,2]")
            #expect(array.status == .badRequest)
            #expect(try GatewayFixture.json(array)["type"] == "https://gatehouse.dev/problems/invalid-request")

            let large = try await GatewayFixture.post(client, "/v1/connectors", "{\"pad\":\"" + String(repeating: "x", count: 2048) + "\"}")
            #expect(large.status == .contentTooLarge)
            #expect(large.headers[.contentType] == "application/problem+json")
            #expect(try GatewayFixture.json(large)["detail"] == "The limit is 1024 bytes.")

            let wrongType = try await GatewayFixture.post(
                client, "/v1/connectors", "{}", headers: GatewayFixture.headers(contentType: "text/plain"))
            #expect(wrongType.status == .unsupportedMediaType)
            #expect(try GatewayFixture.json(wrongType)["type"] == "https://gatehouse.dev/problems/unsupported-media-type")

            let charset = try await GatewayFixture.post(
                client, "/v1/connectors", #"{"email":"c@example.com"}"#,
                headers: GatewayFixture.headers(contentType: "application/json; charset=utf-8")
            )
            #expect(charset.status == .ok)

            let unknown = try await client.execute(
                uri: "/v1/nothing-here", method: .post, headers: GatewayFixture.headers(), body: ByteBuffer(string: "{}"))
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType] == "application/problem+json")

            // Still serving after all of that.
            let healthy = try await client.execute(uri: "/healthz", method: .get)
            #expect(healthy.status == .ok)
        }
        for (index, (route, outcome)) in outcomes.enumerated() {
            #expect(timed(route, outcome) > before[index], "no \(outcome) timed on \(route)")
        }
    }

    @Test func theEventOnKafkaCarriesHeadersKeyAndData() async throws {
        try await GatewayFixture.withGateway { client, cluster, topic in
            var headers = GatewayFixture.headers()
            headers[HTTPField.Name("traceparent")!] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            let body = #"{"email":"Ada@Example.com","givenName":"Ada","lastName":"Lovelace","extension_0a1b_Age":36,"unknownKey":"kept"}"#
            let response = try await GatewayFixture.post(client, "/v1/connectors/post-attribute-collection", body, headers: headers)
            #expect(response.status == .ok)

            let message = try #require(try await TestFixtures.readTopic(cluster, topic: topic, count: 1).first)
            #expect(message.keyString == "ada@example.com")
            #expect(message.headers.first(named: "ce_specversion") == "1.0")
            #expect(message.headers.first(named: "ce_type") == "dev.gatehouse.signup.v1")
            #expect(message.headers.first(named: "ce_source") == "/gatehouse/test")
            #expect(message.headers.first(named: "ce_subject") == "ada@example.com")
            #expect(message.headers.first(named: "content-type") == "application/json")
            #expect(message.headers.first(named: "traceparent") == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            #expect(UUID(uuidString: message.headers.first(named: "ce_id") ?? "") != nil)
            #expect(message.headers.first(named: "ce_time") != nil)

            let data = try JSONValue.parse(message.value ?? [])
            #expect(data["dialect"] == "entraWorkforce")
            #expect(data["step"] == "postAttributeCollection")
            #expect(data["userKey"] == "ada@example.com")
            #expect(data["claims"]?["surname"] == "Lovelace")
            #expect(data["claims"]?["custom"]?["extension_0a1b_Age"] == .int(36))
            #expect(data["raw"]?["unknownKey"] == "kept")
            #expect(data["decision"]?["action"] == "continue")
            #expect(data["durability"] == "local")
        }
    }

    @Test func anIdentityProviderRetryGivesOneEvent() async throws {
        try await GatewayFixture.withGateway { client, cluster, topic in
            let body = #"{"email":"retry@example.com","city":"Oslo"}"#
            let first = try await GatewayFixture.post(client, "/v1/connectors/post-attribute-collection", body)
            let retry = try await GatewayFixture.post(client, "/v1/connectors/post-attribute-collection", body)
            let otherStep = try await GatewayFixture.post(client, "/v1/connectors/post-federation-signup", body)
            #expect(first.text == retry.text)
            #expect(otherStep.status == .ok)
            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: 2)
            #expect(Set(messages.compactMap { $0.headers.first(named: "ce_id") }).count == 2)
            let total = try await TestFixtures.messageCount(cluster, topic: topic, partitions: 12)
            #expect(total == 2, "the retry did not become a second event")
        }
    }

    @Test func aRetryArrivingWhileTheFirstCallIsRecordedGetsTheSameAnswerAndNoSecondEvent() async throws {
        try await GatewayFixture.withGateway(durability: .kafka) { client, cluster, topic in
            cluster.setLatency(.milliseconds(300))
            let body = ExternalIDSamples.submitText(email: "slow@example.com", correlation: "same-attempt")
            async let first = GatewayFixture.post(client, "/v1/extensions", body)
            async let retry = GatewayFixture.post(client, "/v1/extensions", body)
            let (a, b) = try await (first, retry)
            #expect(a.status == .ok && b.status == .ok)
            #expect(a.text == b.text)
            cluster.setLatency(.zero)
            _ = try await TestFixtures.readTopic(cluster, topic: topic, count: 1)
            let total = try await TestFixtures.messageCount(cluster, topic: topic, partitions: 12)
            #expect(total == 1)
        }
    }

    @Test(arguments: [GatewayConfiguration.Durability.kafka, .none])
    func otherDurabilitiesPublishToo(durability: GatewayConfiguration.Durability) async throws {
        try await GatewayFixture.withGateway(durability: durability) { client, cluster, topic in
            let response = try await GatewayFixture.post(client, "/v1/connectors", #"{"email":"d@example.com"}"#)
            #expect(response.status == .ok)
            let message = try #require(try await TestFixtures.readTopic(cluster, topic: topic, count: 1).first)
            #expect(try JSONValue.parse(message.value ?? [])["durability"] == .string(durability.rawValue))
        }
    }

    @Test func healthReadinessAndMetricsAnswer() async throws {
        try await GatewayFixture.withGateway { client, _, _ in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(ready.text == #"{"status":"ready"}"#)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
        }
    }
}
