import ArgumentParser
import Foundation
import GatehouseRules
import GatehouseSignup

/// Decision time of the rules engine: a realistic rule set of N rules against none, on the gateway's
/// benchmark request, every decision timed.
struct RulesBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Time rule decisions with N generated rules against none; or write the rule file (--write)."
    )

    @Option(help: "How many rules to generate.") var rules: Int = 1000
    @Option(help: "Decisions to time per rule set.") var decisions: Int = 200_000
    @Option(help: "Write the generated rules to this file and exit, for the gateway benchmark.") var write: String?

    func run() async throws {
        let yaml = Self.generate(rules)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-bench-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = write ?? folder.appendingPathComponent("rules.yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        if write != nil { return }

        let ruleSet = try RuleLoader.load(RuleSource(path: path)).ruleSet
        let requests = try (0..<1024).map { index in
            try APIConnectorDialect.parse(try JSONValue.parse(Array(Self.body(index).utf8)), urlStep: .postAttributeCollection)
        }
        for (name, set) in [("rules_0", RuleSet.empty), ("rules_\(rules)", ruleSet)] {
            var nanoseconds: [UInt64] = []
            nanoseconds.reserveCapacity(decisions)
            var fired = 0
            for index in 0..<decisions {
                let start = DispatchTime.now().uptimeNanoseconds
                let decision = set.decide(requests[index & 1023])
                nanoseconds.append(DispatchTime.now().uptimeNanoseconds - start)
                fired += decision.rules.count
            }
            nanoseconds.sort()
            let p50 = Double(nanoseconds[nanoseconds.count / 2]) / 1000
            let p99 = Double(nanoseconds[nanoseconds.count * 99 / 100]) / 1000
            let mean = Double(nanoseconds.reduce(0, +)) / Double(nanoseconds.count) / 1000
            print(
                "\(name) decisions=\(decisions) p50_us=\(Self.format(p50)) p99_us=\(Self.format(p99)) mean_us=\(Self.format(mean)) fired=\(fired)"
            )
        }
    }

    private static func format(_ value: Double) -> String { "\((value * 100).rounded() / 100)" }

    /// The gateway benchmark's request (bench/wrk-signup.lua), user `index`.
    static func body(_ index: Int) -> String {
        """
        {"email":"user-0-\(index)@contoso-example.com","displayName":"Ada Lovelace \(index)","givenName":"Ada","surname":"Lovelace",\
        "jobTitle":"Analytical Engine Programmer","streetAddress":"12 St James's Square","city":"London","postalCode":"SW1Y 4JH",\
        "state":"Greater London","country":"United Kingdom","ui_locales":"en-GB","identities":[{"signInType":"federated",\
        "issuer":"google.com","issuerAssignedId":"1089432\(index)"}],"extension_2f8c1a9e4b7d4e0f9a6c3b5d8e7f1a2b_CostCenter":"CC-4711",\
        "extension_2f8c1a9e4b7d4e0f9a6c3b5d8e7f1a2b_EmployeeNumber":\(index),"extension_2f8c1a9e4b7d4e0f9a6c3b5d8e7f1a2b_Newsletter":true,\
        "extension_2f8c1a9e4b7d4e0f9a6c3b5d8e7f1a2b_Department":"Research and Development",\
        "extension_2f8c1a9e4b7d4e0f9a6c3b5d8e7f1a2b_Region":"EMEA-North"}
        """
    }

    /// A realistic mix, in this order of kinds: a third email-domain blocks, a fifth attribute tests,
    /// a sixth regular expressions (validations where the step allows), and the rest rewrites and
    /// combinations. Almost none fire on the benchmark request, as in production, where most rules
    /// are for someone else; the last few rewrite names so that every decision does some work.
    static func generate(_ count: Int) -> String {
        var yaml = "default_locale: en\nrules:\n"
        for index in 0..<count {
            let id = "rule-\(index)"
            switch index % 6 {
            case 0, 1:
                yaml += """
                      - id: \(id)
                        when: {email_domain: [blocked-\(index).example, "*.blocked-\(index).example", spam-\(index).example]}
                        block: {en: "Sign-up from this domain is closed.", de: "Registrierung geschlossen."}

                    """
            case 2:
                yaml += """
                      - id: \(id)
                        when: {all: [{attribute: country, one_of: [Country-\(index), Land-\(index)]}, {attribute: Department, equals: Dept-\(index)}]}
                        block: "Not available in your country, {givenName}."

                    """
            case 3:
                yaml += """
                      - id: \(id)
                        when: {all: [{attribute: city, equals: City-\(index)}, {not: {attribute: postalCode, matches: "^[0-9]{\(index % 7 + 3)}$"}}]}
                        reject: {attributes: {postalCode: "Please check the postal code."}}

                    """
            case 4:
                yaml += """
                      - id: \(id)
                        when: {any: [{attribute: jobTitle, equals: Title-\(index)}, {issuer: [idp-\(index).example]}]}
                        rewrite: {jobTitle: [trim, title_case]}

                    """
            default:
                yaml += """
                      - id: \(id)
                        when: {all: [{present: Region}, {attribute: Region, equals: Region-\(index), ignore_case: true}, {attribute: givenName, length: {max: 2}}]}
                        block: "Closed."

                    """
            }
        }
        yaml += """
              - id: capitalise-names
                rewrite: {givenName: [trim, collapse_spaces, title_case], surname: [trim, collapse_spaces, title_case]}

            """
        return yaml
    }
}
