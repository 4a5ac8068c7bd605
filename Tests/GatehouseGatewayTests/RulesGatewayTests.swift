import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseRules
import GatehouseSignup
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// Every rule action in every dialect, through the live gateway, with the exact status and body.
@Suite struct RulesGatewayTests {
    static let rulesYAML = #"""
        default_locale: en
        rules:
          - id: tidy-names
            rewrite:
              givenName: [trim, title_case]
              Shoe: [{set: "42"}]
          - id: postal-code
            when: {not: {attribute: postalCode, matches: "^[0-9]{4}$"}}
            reject:
              attributes:
                postalCode: {en: "'{value}' is not a postal code.", nb: "«{value}» er ikke et postnummer."}
          - id: no-spam
            when: {email_domain: ["*.spam.example", spam.example]}
            block:
              title: {en: Not here, nb: Ikke her}
              message: {en: "Sorry, {givenName}.", nb: "Beklager, {givenName}."}
        """#

    static func engine() throws -> RuleEngine {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("rules"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("rules.yaml").path
        try Data(rulesYAML.utf8).write(to: URL(fileURLWithPath: path))
        return RuleEngine(try RuleLoader.load(RuleSource(path: path)).ruleSet)
    }

    private static let start = "/v1/extensions/attribute-collection-start"
    private static let submit = "/v1/extensions/attribute-collection-submit"

    private static func envelope(_ step: String, _ attributes: [String: JSONValue], locale: String = "en-us") -> String {
        var body = ExternalIDSamples.submit(email: "x@example.com", correlation: UUID().uuidString)
        guard case .object(var root) = body, case .object(var data) = root["data"], case .object(var info) = data["userSignUpInfo"],
            case .object(var context) = data["authenticationContext"]
        else { return "" }
        root["type"] = .string("microsoft.graph.authenticationEvent.\(step)")
        info["attributes"] = .object(
            attributes.mapValues { value in
                let type = if case .int = value { "int64" } else { "string" }
                return .object([
                    "@odata.type": .string("microsoft.graph.\(type)DirectoryAttributeValue"), "value": value, "attributeType": "builtIn",
                ])
            }
        )
        context["client"] = .object(["locale": .string(locale)])
        data["userSignUpInfo"] = .object(info)
        data["authenticationContext"] = .object(context)
        root["data"] = .object(data)
        body = .object(root)
        return String(decoding: body.canonicalBytes(), as: UTF8.self)
    }

    @Test func apiConnectorsAnswerEveryActionExactly() async throws {
        try await GatewayFixture.withGateway(decider: try Self.engine()) { client, _, _ in
            let block = try await GatewayFixture.post(
                client, "/v1/connectors/post-federation-signup", #"{"email":"a@eu.spam.example","givenName":"ada","ui_locales":"nb-NO"}"#)
            #expect(block.status == .ok)
            #expect(block.text == #"{"action":"ShowBlockPage","userMessage":"Beklager, Ada.","version":"1.0.0"}"#)

            let reject = try await GatewayFixture.post(
                client, "/v1/connectors/post-attribute-collection", #"{"email":"a@ok.example","postalCode":"12","ui_locales":"en"}"#)
            #expect(reject.status == .badRequest)
            #expect(reject.headers[.contentType] == "application/json")
            #expect(
                reject.text == #"{"action":"ValidationError","status":400,"userMessage":"'12' is not a postal code.","version":"1.0.0"}"#)

            let rewrite = try await GatewayFixture.post(
                client, "/v1/connectors/post-attribute-collection",
                #"{"email":"a@ok.example","givenName":" ada ","postalCode":"0150","extension_0a1b_Shoe":41}"#)
            #expect(rewrite.status == .ok)
            #expect(rewrite.text == #"{"action":"Continue","extension_0a1b_Shoe":42,"givenName":"Ada","version":"1.0.0"}"#)

            // The same rules at a step that allows neither: the block and the validation error do not apply.
            // `set` creates a missing attribute, named as the rule names it (Entra accepts a custom
            // attribute without its application part).
            let preToken = try await GatewayFixture.post(
                client, "/v1/connectors/pre-token-issuance", #"{"email":"a@spam.example","givenName":"ada","postalCode":"x"}"#)
            #expect(preToken.status == .ok)
            #expect(preToken.text == #"{"Shoe":"42","action":"Continue","givenName":"Ada","version":"1.0.0"}"#)
        }
    }

    @Test func externalIDAnswersEveryActionExactly() async throws {
        try await GatewayFixture.withGateway(decider: try Self.engine()) { client, _, _ in
            let block = try await GatewayFixture.post(
                client, Self.start, Self.envelope("attributeCollectionStart", ["email": "a@spam.example", "givenName": "ada"]))
            #expect(block.status == .ok)
            #expect(
                block.text
                    == #"{"data":{"@odata.type":"microsoft.graph.onAttributeCollectionStartResponseData","actions":[{"@odata.type":"microsoft.graph.attributeCollectionStart.showBlockPage","message":"Sorry, Ada.","title":"Not here"}]}}"#
            )

            let prefill = try await GatewayFixture.post(
                client, Self.start, Self.envelope("attributeCollectionStart", ["givenName": "ada", "extension_0a1b_Shoe": .int(41)]))
            #expect(
                prefill.text
                    == #"{"data":{"@odata.type":"microsoft.graph.onAttributeCollectionStartResponseData","actions":[{"@odata.type":"microsoft.graph.attributeCollectionStart.setPrefillValues","inputs":{"extension_0a1b_Shoe":42,"givenName":"Ada"}}]}}"#
            )

            let reject = try await GatewayFixture.post(
                client, Self.submit, Self.envelope("attributeCollectionSubmit", ["postalCode": "abc"], locale: "nb-no"))
            #expect(reject.status == .ok)
            #expect(
                reject.text
                    == #"{"data":{"@odata.type":"microsoft.graph.onAttributeCollectionSubmitResponseData","actions":[{"@odata.type":"microsoft.graph.attributeCollectionSubmit.showValidationError","attributeErrors":{"postalCode":"«abc» er ikke et postnummer."},"message":"«abc» er ikke et postnummer."}]}}"#
            )

            let modify = try await GatewayFixture.post(
                client, Self.submit,
                Self.envelope("attributeCollectionSubmit", ["givenName": "ada", "postalCode": "0150", "extension_0a1b_Shoe": .int(41)]))
            #expect(
                modify.text
                    == #"{"data":{"@odata.type":"microsoft.graph.onAttributeCollectionSubmitResponseData","actions":[{"@odata.type":"microsoft.graph.attributeCollectionSubmit.modifyAttributeValues","attributes":{"extension_0a1b_Shoe":42,"givenName":"Ada"}}]}}"#
            )
        }
    }

    @Test func theEventNamesTheRulesThatFired() async throws {
        try await GatewayFixture.withGateway(decider: try Self.engine()) { client, cluster, topic in
            let response = try await GatewayFixture.post(
                client, "/v1/connectors/post-attribute-collection", #"{"email":"b@spam.example","givenName":"bo","postalCode":"1"}"#)
            #expect(response.status == .ok)
            let message = try #require(try await TestFixtures.readTopic(cluster, topic: topic, count: 1).first)
            let data = try JSONValue.parse(message.value ?? [])
            #expect(data["decision"]?["action"] == "block")
            #expect(data["decision"]?["rule"] == "no-spam")
            #expect(data["decision"]?["rules"] == .array(["no-spam", "postal-code", "tidy-names"]))
            #expect(data["decision"]?["message"] == "Sorry, Bo.")
        }
    }
}
