import GatehouseRules
import GatehouseSignup
import Testing

@Suite struct DecisionTests {
    @Test func everyRewriteOperation() throws {
        let rules = try RuleTesting.compile(
            #"""
            rules:
              - id: tidy
                rewrite:
                  givenName: [trim, collapse_spaces, title_case]
                  surname: [title_case]
                  city: [upper_case]
                  state: [lower_case]
                  jobTitle: [{set: Engineer}]
                  displayName: [{copy: givenName}]
                  streetAddress: [{replace: {pattern: "^St\\.? ", with: "Saint "}}]
            """#
        )
        let request = try RuleTesting.apiConnector([
            "givenName": "  jean-luc   o'brien ", "surname": "MCDONALD", "city": "oslo", "state": "OSLO", "jobTitle": "x",
            "streetAddress": "St. Olav's gate 1",
        ])
        let decision = rules.decide(request)
        #expect(
            decision.action
                == .modify([
                    "givenName": "Jean-Luc O'Brien", "surname": "Mcdonald", "city": "OSLO", "state": "oslo", "jobTitle": "Engineer",
                    "displayName": "Jean-Luc O'Brien", "streetAddress": "Saint Olav's gate 1",
                ])
        )
        #expect(decision.rules == ["tidy"])
    }

    @Test func rewritesKeepTheValueType() throws {
        let rules = try RuleTesting.compile(
            """
            rules:
              - id: types
                rewrite:
                  Age: [{set: "43"}]
                  Member: [{set: "false"}]
                  Score: [trim]
                  Code: [{set: 7}]
                  Level: [{set: "high"}]
            """
        )
        let request = try RuleTesting.externalID([
            "extension_0a1b_Age": .int(42), "extension_0a1b_Member": .bool(true), "extension_0a1b_Score": .int(5),
            "extension_0a1b_Code": "A", "extension_0a1b_Level": .int(1),
        ])
        let decision = rules.decide(request)
        // An int64 stays an integer and a boolean a boolean; a value that cannot keep the type is left alone.
        #expect(
            decision.action
                == .modify(["extension_0a1b_Age": .int(43), "extension_0a1b_Member": .bool(false), "extension_0a1b_Code": .string("7")])
        )
        let response = request.response(to: decision).body.canonicalBytes()
        #expect(String(decoding: response, as: UTF8.self).contains(#""extension_0a1b_Age":43"#))
    }

    @Test func rewritesApplyFirstAndValidationsSeeTheirResult() throws {
        let rules = try RuleTesting.compile(
            #"""
            rules:
              - id: postal-code-format
                when: {not: {attribute: postalCode, matches: "^[0-9]{5}$"}}
                reject:
                  attributes: {postalCode: "Five digits, please."}
              - id: strip-postal-code
                rewrite:
                  postalCode: [{replace: {pattern: "\\s", with: ""}}]
            """#
        )
        let fixed = rules.decide(try RuleTesting.apiConnector(["postalCode": "101 15"]))
        #expect(fixed.action == .modify(["postalCode": "10115"]))
        let broken = rules.decide(try RuleTesting.apiConnector(["postalCode": "10 1"]))
        #expect(broken.action == .validationError(message: "Five digits, please.", attributeErrors: ["postalCode": "Five digits, please."]))
        #expect(broken.rules == ["postal-code-format", "strip-postal-code"])
    }

    @Test func allFailingAttributesAreReportedTogether() throws {
        let rules = try RuleTesting.compile(
            """
            rules:
              - id: city-needed
                when: {missing: city}
                reject:
                  attributes: {city: "Your city, please."}
              - id: given-name-needed
                when: {missing: givenName}
                reject:
                  message: Some fields need your attention.
                  attributes: {givenName: "Your first name, please."}
              - id: city-again
                when: {missing: city}
                reject:
                  attributes: {city: "Never shown: the first message for an attribute wins."}
            """
        )
        let decision = rules.decide(try RuleTesting.externalID([:]))
        #expect(
            decision.action
                == .validationError(
                    message: "Some fields need your attention.",
                    attributeErrors: ["city": "Your city, please.", "givenName": "Your first name, please."]
                )
        )
        #expect(decision.rules == ["city-needed", "given-name-needed", "city-again"])
        let response = try RuleTesting.externalID([:]).response(to: decision)
        #expect(response.status == 200)
        // An API connector shows one message: without a heading, the attribute messages are joined.
        let joined = try RuleTesting.compile(
            "rules:\n  - {id: a, when: {missing: city}, reject: {attributes: {city: A.}}}\n  - {id: b, when: {missing: state}, reject: {attributes: {state: B.}}}"
        )
        #expect(
            joined.decide(try RuleTesting.apiConnector([:])).action
                == .validationError(message: "A. B.", attributeErrors: ["city": "A.", "state": "B."]))
    }

    @Test func theFirstBlockWinsOverValidationErrorsAndRewrites() throws {
        let rules = try RuleTesting.compile(
            """
            rules:
              - {id: tidy, rewrite: {givenName: [title_case]}}
              - {id: city-needed, when: {missing: city}, reject: {attributes: {city: "City?"}}}
              - {id: first-block, when: {email_domain: [spam.example]}, block: First}
              - {id: second-block, when: {present: email}, block: Second}
            """
        )
        let decision = rules.decide(try RuleTesting.apiConnector(["email": "x@spam.example", "givenName": "ada"]))
        #expect(decision.action == .block(message: "First", title: nil))
        #expect(decision.rules == ["first-block", "city-needed", "tidy"])
        let second = rules.decide(try RuleTesting.apiConnector(["email": "x@ok.example", "givenName": "ada", "city": "Oslo"]))
        #expect(second.action == .block(message: "Second", title: nil))
    }

    @Test func scopeLimitsDialectsStepsAndClients() throws {
        let rules = try RuleTesting.compile(
            """
            rules:
              - id: b2c-portal-only
                dialects: [b2c]
                steps: [postFederationSignup]
                client_ids: [portal]
                block: Not here.
            """
        )
        let matching = try APIConnectorDialect.parse(.object(["client_id": "portal"]), urlStep: .postFederationSignup)
        #expect(rules.decide(matching).actionName == "block")
        let otherClient = try APIConnectorDialect.parse(.object(["client_id": "shop"]), urlStep: .postFederationSignup)
        #expect(rules.decide(otherClient).actionName == "continue")
        let otherStep = try APIConnectorDialect.parse(.object(["client_id": "portal"]), urlStep: .postAttributeCollection)
        #expect(rules.decide(otherStep).actionName == "continue")
        let workforce = try APIConnectorDialect.parse(.object([:]), urlStep: .postFederationSignup)
        #expect(rules.decide(workforce).actionName == "continue")
    }

    @Test func blocksAndRejectsDefaultToTheStepsThatAllowThem() throws {
        let rules = try RuleTesting.compile(
            """
            rules:
              - {id: no-city, when: {missing: city}, reject: {attributes: {city: "City?"}}}
              - {id: stop, when: {email_domain: [spam.example]}, block: Stop}
            """
        )
        #expect(rules.decide(try RuleTesting.apiConnector([:], step: .postFederationSignup)).actionName == "continue")
        #expect(rules.decide(try RuleTesting.apiConnector([:], step: .postAttributeCollection)).actionName == "validationError")
        let spam = try RuleTesting.apiConnector(["email": "a@spam.example", "city": "x"], step: .preTokenIssuance)
        #expect(rules.decide(spam).actionName == "continue")
        #expect(
            rules.decide(try RuleTesting.externalID(["email": "a@spam.example"], step: .attributeCollectionStart)).actionName == "block")
    }
}
