import ArgumentParser
import Foundation
import GatehouseRules
import GatehouseSettings
import GatehouseSignup

/// `gatehouse rules …`: work with sign-up rules before deploying them.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check sign-up rules against sample requests.",
        subcommands: [RulesTestCommand.self]
    )
}

/// `gatehouse rules test --request FILE`: the decision the rules make for a sample request.
struct RulesTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Print the decision, the rules that fired and the exact answer for a sample request.",
        discussion: """
            The request is a body as the identity provider sends it: an API-connector object of user attributes,
            or an External ID authenticationEvent envelope (recognised by its "type"). Give the rules with --rules
            (a rules file) or --config (the gateway configuration whose rules section is used). Exits 0 whatever
            the decision; 1 when the rules or the request are invalid.

            Example:
              gatehouse rules test --rules ops/rules.example.yaml --request schemas/examples/api-connector-request/workforce-post-attribute-collection.json \\
                --step postAttributeCollection
            """
    )

    @Option(help: "The sample request body (JSON), or - for standard input.")
    var request: String

    @Option(
        help:
            "The step: postFederationSignup, postAttributeCollection, preTokenIssuance (API connectors; default: the body's step). External ID takes it from the envelope's type."
    )
    var step: String?

    @Option(help: "A rules file.")
    var rules: String?

    @Option(help: "A gateway configuration file; its rules section is used.")
    var config: String?

    @Option(help: "Treat an API-connector body as this dialect: entraWorkforce or b2c (default: b2c when it has step or client_id).")
    var dialect: String?

    @Flag(help: "Print JSON for programs.")
    var json = false

    func validate() throws {
        guard (rules == nil) != (config == nil) else { throw ValidationError("give exactly one of --rules FILE or --config FILE") }
        if let dialect, Dialect(rawValue: dialect) == nil || dialect == Dialect.externalID.rawValue {
            throw ValidationError("--dialect must be entraWorkforce or b2c; External ID is recognised from the body")
        }
    }

    func run() async throws {
        let ruleSet: RuleSet
        do {
            if let rules {
                ruleSet = try RuleLoader.load(RuleSource(path: rules)).ruleSet
            } else {
                ruleSet = try await GatehouseSettings.load(path: config ?? "").rules?.loaded.ruleSet ?? .empty
            }
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
        let parsed = try parseRequest()
        let decision = ruleSet.decide(parsed).allowed(at: parsed.step)
        let response = parsed.response(to: decision)
        if json {
            let output: JSONValue = .object([
                "dialect": .string(parsed.dialect.rawValue), "step": .string(parsed.step.rawValue), "decision": decision.json,
                "status": .int(Int64(response.status)), "response": response.body,
            ])
            print(String(decoding: output.canonicalBytes(), as: UTF8.self))
            return
        }
        print("Dialect:  \(parsed.dialect)   Step: \(parsed.step)")
        let decidedBy = decision.action == .continue ? nil : decision.rules.first
        print("Decision: \(decision.actionName)\(decidedBy.map { " (rule \($0))" } ?? "")")
        print("Fired:    \(decision.rules.isEmpty ? "no rule" : decision.rules.joined(separator: ", "))")
        print("Answer:   HTTP \(response.status)")
        print(String(decoding: response.body.canonicalBytes(), as: UTF8.self))
    }

    private func parseRequest() throws -> SignupRequest {
        let bytes: Data
        do {
            bytes = request == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: request))
        } catch {
            throw ValidationError("\(request): cannot be read (\(error.localizedDescription))")
        }
        do {
            let body = try JSONValue.parse(bytes)
            if let type = body["type"]?.stringValue, ExternalIDDialect.step(ofType: type) != nil {
                return try ExternalIDDialect.parse(body, urlStep: step.flatMap(SignupStep.init(rawValue:)))
            }
            let urlStep = try step.map { name in
                let parsed = SignupStep(rawValue: name) ?? SignupStep(apiConnectorStep: name)
                guard parsed != .unknown else {
                    throw ValidationError("--step must be postFederationSignup, postAttributeCollection or preTokenIssuance, not '\(name)'")
                }
                return parsed
            }
            var parsed = try APIConnectorDialect.parse(body, urlStep: urlStep)
            if let dialect = dialect.flatMap(Dialect.init(rawValue:)) { parsed.dialect = dialect }
            return parsed
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(request): \(error)")
        }
    }
}
