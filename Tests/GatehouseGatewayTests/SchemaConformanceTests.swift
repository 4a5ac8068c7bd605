import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Real answers and real events read back from Kafka, validated against `schemas/` by an independent
/// JSON Schema implementation (Python's jsonschema, through `schemas/validate.py`).
@Suite struct SchemaConformanceTests {
    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas")

    /// Decides by the email's local part, so that one gateway produces every kind of answer.
    struct ScriptedDecider: SignupDecider {
        func decide(_ request: SignupRequest) -> SignupDecision {
            switch request.claims.email?.split(separator: "@").first {
            case "block":
                SignupDecision(action: .block(message: "Sign-ups from this domain are closed.", title: "Closed"), rules: ["block-domain"])
            case "invalid":
                SignupDecision(
                    action: .validationError(message: "Please fix the postal code.", attributeErrors: ["postalCode": "Five digits."]),
                    rules: ["postal-code"])
            case "modify":
                SignupDecision(action: .modify(["displayName": "Ada Lovelace", "extension_0a1b_Age": .int(36)]), rules: ["capitalise"])
            default: .continue
            }
        }
    }

    static func validate(_ schema: String, _ instance: [UInt8]) throws {
        try SchemaValidator.expectValid(schema, instance)
    }

    @Test func answersAndEventsMatchTheirSchemas() async throws {
        try await GatewayFixture.withGateway(decider: ScriptedDecider()) { client, cluster, topic in
            var sent = 0
            for local in ["continue", "block", "invalid", "modify"] {
                for path in ["/v1/connectors/post-attribute-collection", "/v1/connectors/post-federation-signup"] {
                    let body = #"{"email":"\#(local)@example.com","postalCode":"12","step":"PostAttributeCollection","client_id":"app"}"#
                    let response = try await GatewayFixture.post(client, path, body)
                    try Self.validate("api-connector-response.schema.json", Array(response.body.readableBytesView))
                    try Self.validate("api-connector-request.schema.json", Array(body.utf8))
                    sent += 1
                }
                for (path, correlation) in [("/v1/extensions/attribute-collection-submit", "s-\(local)"), ("/v1/extensions", "x-\(local)")]
                {
                    let body = ExternalIDSamples.submitText(email: "\(local)@example.com", correlation: correlation)
                    let response = try await GatewayFixture.post(client, path, body)
                    try Self.validate("external-id-response.schema.json", Array(response.body.readableBytesView))
                    try Self.validate("external-id-request.schema.json", Array(body.utf8))
                    sent += 1
                }
            }
            for problem in [("{", "application/json"), ("[]", "application/json"), ("{}", "text/plain")] {
                let response = try await GatewayFixture.post(
                    client, "/v1/connectors", problem.0, headers: GatewayFixture.headers(contentType: problem.1))
                try Self.validate("problem.schema.json", Array(response.body.readableBytesView))
            }
            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: sent)
            for message in messages {
                try Self.validate("signup-event.v1.schema.json", message.value ?? [])
                let headers = JSONValue.object(
                    Dictionary(message.headers.map { ($0.key, JSONValue.string($0.stringValue ?? "")) }) { first, _ in first })
                try Self.validate("signup-event.v1.headers.schema.json", headers.canonicalBytes())
            }
        }
    }
}
