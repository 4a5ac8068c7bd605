import Foundation
import GatehouseRules
import Testing

/// Each mistake in a rule set is reported with its file, line, path and reason, all at once.
@Suite struct RuleProblemTests {
    @Test func everyBadRuleIsReportedWithItsPathAndReason() throws {
        let problems = try RuleTesting.problems(
            #"""
            default_locale: en
            colour: blue
            rules:
              - id: bad-regex
                when: {attribute: postalCode, matches: "([0-9]"}
                block: x
              - id: unknown-action
                deny: x
              - id: reject-too-early
                steps: [postFederationSignup]
                reject: {attributes: {city: "City?"}}
              - id: block-before-token
                steps: [preTokenIssuance]
                block: x
              - id: unknown-condition
                when: {email_suffix: [x.com]}
                block: x
              - id: no-default-language
                block: {fr: Non}
              - id: missing-list
                when: {email_domain: {list: nowhere}}
                block: x
              - id: never-applies
                dialects: [externalId]
                steps: [postFederationSignup]
                block: x
              - id: bad-operation
                rewrite: {givenName: [shout]}
              - id: two-actions
                block: x
                rewrite: {givenName: [trim]}
              - id: bad-length
                when: {attribute: city, length: {min: 5, max: 2}}
                block: x
              - id: bad-step
                steps: [afterSignup]
                block: x
              - id: bad-regex
                block: duplicate id
            """#
        )
        let expected: [(String, String)] = [
            ("colour", "unknown key"),
            ("rules[0] (bad-regex).when.matches", "invalid regular expression '([0-9]'"),
            ("rules[1] (unknown-action).deny", "unknown key: not an action (block, reject, rewrite)"),
            ("rules[2] (reject-too-early).steps", "reject is not allowed at postFederationSignup"),
            ("rules[3] (block-before-token).steps", "block is not allowed at preTokenIssuance"),
            ("rules[4] (unknown-condition).when.email_suffix", "unknown condition"),
            ("rules[5] (no-default-language).block", "has no text in the default language 'en'"),
            ("rules[6] (missing-list).when.email_domain", "the list 'nowhere' is not defined"),
            ("rules[7] (never-applies)", "never applies"),
            ("rules[8] (bad-operation).rewrite.givenName[0]", "unknown operation 'shout'"),
            ("rules[9] (two-actions)", "a rule has exactly one action"),
            ("rules[10] (bad-length).when.length", "0 ≤ min ≤ max"),
            ("rules[11] (bad-step).steps", "unknown step 'afterSignup'"),
            ("rules[12].id", "'bad-regex' is used by an earlier rule"),
        ]
        for (path, reason) in expected {
            #expect(
                problems.contains { $0.contains(": \(path): ") && $0.contains(reason) },
                "no problem '\(path): \(reason)' in:\n\(problems.joined(separator: "\n"))"
            )
        }
        #expect(problems.count == expected.count, "\(problems.joined(separator: "\n"))")
        // Each problem names the file and line.
        #expect(problems.allSatisfy { $0.range(of: #"rules\.yaml:\d+: "#, options: .regularExpression) != nil })
        #expect(problems.contains { $0.contains("rules.yaml:5: rules[0] (bad-regex).when.matches") })
    }

    @Test func unreadableAndMalformedFilesAreNamed() throws {
        let missing = "/nonexistent/\(UUID().uuidString).yaml"
        #expect(throws: RuleProblems.self) { try RuleLoader.load(RuleSource(path: missing)) }
        let problems = try RuleTesting.problems("rules: [ {id: a\n")
        #expect(problems.count == 1)
        #expect(problems.first?.contains("not valid YAML") == true)
        let listFile = try RuleTesting.problems("lists:\n  staff: {file: no-such-list.txt}\nrules: []")
        #expect(listFile.first?.contains("lists.staff.file: cannot read") == true)
    }

    @Test func theExampleRulesFileCompiles() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../ops/rules.example.yaml")
            .standardized
        let loaded = try RuleLoader.load(RuleSource(path: example.path))
        #expect(loaded.ruleSet.rules.count == 6)
        #expect(loaded.files.count == 2)
    }
}
