import Foundation
import GatehouseRules
import GatehouseSignup
import GatehouseTestSupport
import Testing

/// Rule sets from YAML text, and calls parsed the way the gateway parses them.
enum RuleTesting {
    /// A fresh folder for one test's files.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("rules"))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `yaml` to a new rules file and returns its path.
    static func write(_ yaml: String, in folder: URL? = nil, name: String = "rules.yaml") throws -> String {
        let url = try (folder ?? self.folder()).appendingPathComponent(name)
        try Data(yaml.utf8).write(to: url)
        return url.path
    }

    /// Compiles a rule set, failing the test with every problem when it does not compile.
    static func compile(_ yaml: String) throws -> RuleSet {
        try RuleLoader.load(RuleSource(path: write(yaml))).ruleSet
    }

    /// The problems a rule set has; empty when it compiles.
    static func problems(_ yaml: String) throws -> [String] {
        let path = try write(yaml)
        do {
            _ = try RuleLoader.load(RuleSource(path: path))
            return []
        } catch {
            return error.problems
        }
    }

    /// An API-connector call with these body fields.
    static func apiConnector(_ fields: [String: JSONValue], step: SignupStep = .postAttributeCollection) throws -> SignupRequest {
        try APIConnectorDialect.parse(.object(fields), urlStep: step)
    }

    /// An External ID call with these attributes (wrapped as the service wraps them) and locale.
    static func externalID(
        _ attributes: [String: JSONValue],
        step: SignupStep = .attributeCollectionSubmit,
        locale: String? = nil,
        identities: [JSONValue] = []
    ) throws -> SignupRequest {
        let type =
            step == .attributeCollectionStart
            ? "microsoft.graph.authenticationEvent.attributeCollectionStart"
            : "microsoft.graph.authenticationEvent.attributeCollectionSubmit"
        var client: [String: JSONValue] = ["ip": "192.0.2.1"]
        if let locale { client["locale"] = .string(locale) }
        let wrapped = attributes.mapValues { value -> JSONValue in
            let odataType: String
            switch value {
            case .int: odataType = "microsoft.graph.int64DirectoryAttributeValue"
            case .bool: odataType = "microsoft.graph.booleanDirectoryAttributeValue"
            default: odataType = "microsoft.graph.stringDirectoryAttributeValue"
            }
            return .object(["@odata.type": .string(odataType), "value": value, "attributeType": "builtIn"])
        }
        let body: JSONValue = .object([
            "type": .string(type),
            "data": .object([
                "authenticationContext": .object(["correlationId": .string(UUID().uuidString), "client": .object(client)]),
                "userSignUpInfo": .object(["attributes": .object(wrapped), "identities": .array(identities)]),
            ]),
        ])
        return try ExternalIDDialect.parse(body, urlStep: nil)
    }
}
