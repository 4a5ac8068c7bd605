import GatehouseRules
import GatehouseSignup
import Testing

/// Each condition, through a block rule whose firing is the observable outcome.
@Suite struct ConditionTests {
    /// Whether a block rule with this `when` fires for the request.
    private func fires(_ when: String, _ request: SignupRequest, lists: String = "") throws -> Bool {
        let rules = try RuleTesting.compile(
            """
            \(lists)
            rules:
              - id: probe
                when: \(when)
                block: stop
            """
        )
        return rules.decide(request).actionName == "block"
    }

    @Test func emailDomainMatchesExactlyOrAsSubdomainIgnoringCase() throws {
        let when = #"{email_domain: [contoso.com, "*.fabrikam.example"]}"#
        #expect(try fires(when, RuleTesting.apiConnector(["email": "ada@Contoso.COM"])))
        #expect(try !fires(when, RuleTesting.apiConnector(["email": "ada@sales.contoso.com"])))
        #expect(try fires(when, RuleTesting.apiConnector(["email": "ada@eu.sales.fabrikam.example"])))
        #expect(try !fires(when, RuleTesting.apiConnector(["email": "ada@fabrikam.example"])))
        #expect(try !fires(when, RuleTesting.apiConnector(["email": "ada@notcontoso.com"])))
        #expect(try !fires(when, RuleTesting.apiConnector(["givenName": "Ada"])))
    }

    @Test func emailDomainFromANamedList() throws {
        let lists = "lists:\n  staff: [contoso.com, \"*.contoso.com\"]"
        #expect(try fires("{email_domain: {list: staff}}", RuleTesting.apiConnector(["email": "a@hr.contoso.com"]), lists: lists))
        #expect(try !fires("{email_domain: {list: staff}}", RuleTesting.apiConnector(["email": "a@gmail.com"]), lists: lists))
    }

    @Test func issuerMatchesAnyFederatedIdentity() throws {
        let google: JSONValue = .array([.object(["signInType": "federated", "issuer": "Google.com", "issuerAssignedId": "1"])])
        #expect(try fires("{issuer: [google.com]}", RuleTesting.apiConnector(["identities": google])))
        #expect(try !fires("{issuer: [facebook.com]}", RuleTesting.apiConnector(["identities": google])))
        #expect(try !fires("{issuer: [google.com]}", RuleTesting.apiConnector(["email": "a@b.c"])))
        let externalID = try RuleTesting.externalID(
            [:], identities: [.object(["signInType": "federated", "issuer": "facebook.com", "issuerAssignedId": "9"])])
        #expect(try fires("{issuer: [facebook.com]}", externalID))
    }

    @Test func presentAndMissingTreatEmptyAsMissing() throws {
        #expect(try fires("{present: city}", RuleTesting.apiConnector(["city": "Oslo"])))
        #expect(try !fires("{present: city}", RuleTesting.apiConnector(["city": ""])))
        #expect(try fires("{missing: city}", RuleTesting.apiConnector(["city": ""])))
        #expect(try fires("{missing: city}", RuleTesting.apiConnector([:])))
        #expect(try !fires("{missing: city}", RuleTesting.apiConnector(["city": "Oslo"])))
    }

    @Test func equalsComparesTextWithOptionalCaseFolding() throws {
        #expect(try fires("{attribute: country, equals: NO}", RuleTesting.apiConnector(["country": "NO"])))
        #expect(try !fires("{attribute: country, equals: NO}", RuleTesting.apiConnector(["country": "no"])))
        #expect(try fires("{attribute: country, equals: NO, ignore_case: true}", RuleTesting.apiConnector(["country": "no"])))
        // Custom attributes of any scalar type compare by their text, named with or without the app part.
        #expect(try fires("{attribute: Age, equals: 42}", RuleTesting.apiConnector(["extension_0a1b_Age": .int(42)])))
        #expect(
            try fires("{attribute: extension_0a1b_Member, equals: true}", RuleTesting.apiConnector(["extension_0a1b_Member": .bool(true)])))
        #expect(try !fires("{attribute: Age, equals: 42}", RuleTesting.apiConnector([:])))
    }

    @Test func oneOfAndInListIgnoreCase() throws {
        #expect(try fires("{attribute: country, one_of: [DE, AT, CH]}", RuleTesting.apiConnector(["country": "at"])))
        #expect(try !fires("{attribute: country, one_of: [DE, AT, CH]}", RuleTesting.apiConnector(["country": "FR"])))
        let lists = "lists:\n  embargoed: [XX, YY]"
        #expect(try fires("{attribute: country, in_list: embargoed}", RuleTesting.apiConnector(["country": "yy"]), lists: lists))
        #expect(try !fires("{attribute: country, in_list: embargoed}", RuleTesting.apiConnector(["country": "ZZ"]), lists: lists))
    }

    @Test func matchesSearchesWithARegularExpression() throws {
        let when = #"{attribute: postalCode, matches: "^[0-9]{5}$"}"#
        #expect(try fires(when, RuleTesting.apiConnector(["postalCode": "10115"])))
        #expect(try !fires(when, RuleTesting.apiConnector(["postalCode": "1011"])))
        #expect(try !fires(when, RuleTesting.apiConnector(["postalCode": "10115-1"])))
        #expect(try !fires(when, RuleTesting.apiConnector([:])))
        #expect(try fires(#"{attribute: givenName, matches: "\\d"}"#, RuleTesting.apiConnector(["givenName": "R2D2"])))
    }

    @Test func lengthCountsCharactersWithinBounds() throws {
        let when = "{attribute: displayName, length: {min: 2, max: 4}}"
        #expect(try fires(when, RuleTesting.apiConnector(["displayName": "Zoë"])))
        #expect(try !fires(when, RuleTesting.apiConnector(["displayName": "Z"])))
        #expect(try !fires(when, RuleTesting.apiConnector(["displayName": "Zoë K"])))
        #expect(try fires("{attribute: displayName, length: {max: 0}}", RuleTesting.apiConnector([:])))
    }

    @Test func allAnyAndNotCombine() throws {
        let request = try RuleTesting.apiConnector(["email": "a@contoso.com", "country": "DE"])
        #expect(try fires("{all: [{email_domain: [contoso.com]}, {attribute: country, equals: DE}]}", request))
        #expect(try !fires("{all: [{email_domain: [contoso.com]}, {attribute: country, equals: FR}]}", request))
        #expect(try fires("{any: [{email_domain: [other.com]}, {attribute: country, equals: DE}]}", request))
        #expect(try !fires("{any: [{email_domain: [other.com]}, {missing: country}]}", request))
        #expect(try fires("{not: {email_domain: [other.com]}}", request))
        #expect(try !fires("{not: {present: email}}", request))
        // A list under `when` means all of them.
        #expect(try fires("[{present: email}, {present: country}]", request))
        #expect(try !fires("[{present: email}, {present: city}]", request))
    }
}

/// The same conditions on External ID calls, whose attributes arrive wrapped and typed.
@Suite struct ExternalIDConditionTests {
    private func decision(_ when: String, _ request: SignupRequest) throws -> String {
        let rules = try RuleTesting.compile("rules:\n  - {id: probe, when: \(when), block: stop}")
        return rules.decide(request).actionName
    }

    @Test func everyConditionReadsExternalIDAttributes() throws {
        let request = try RuleTesting.externalID(
            [
                "email": "Ada@Sales.Contoso.com", "givenName": "Ada", "country": "NO", "postalCode": "0150",
                "extension_0a1b_Age": .int(36), "extension_0a1b_Member": .bool(true),
            ],
            identities: [.object(["signInType": "federated", "issuer": "google.com", "issuerAssignedId": "1"])])
        let holding = [
            #"{email_domain: ["*.contoso.com"]}"#, "{issuer: [google.com]}", "{present: givenName}", "{missing: city}",
            "{attribute: Age, equals: 36}", "{attribute: Member, equals: true}", "{attribute: country, one_of: [no, se]}",
            #"{attribute: postalCode, matches: "^[0-9]{4}$"}"#, "{attribute: givenName, length: {min: 2, max: 3}}",
            "{all: [{present: email}, {not: {present: city}}]}", "{any: [{missing: email}, {present: country}]}",
        ]
        for when in holding { #expect(try decision(when, request) == "block", "\(when)") }
        let failing = [
            "{email_domain: [contoso.com]}", "{issuer: [facebook.com]}", "{missing: givenName}", "{attribute: Age, equals: 37}",
            "{attribute: country, one_of: [dk]}", #"{attribute: postalCode, matches: "^[0-9]{5}$"}"#, "{not: {present: country}}",
        ]
        for when in failing { #expect(try decision(when, request) == "continue", "\(when)") }
    }
}
