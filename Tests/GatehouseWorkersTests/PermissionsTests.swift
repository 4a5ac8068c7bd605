import Foundation
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Testing

/// The permissions worker end to end: sign-up events from Kafka, grants in SQLite, `gatehouse grants list`.
@Suite struct PermissionsTests {
    static let rules = [
        GrantRule(when: .emailDomain(["contoso.com", "*.contoso.com"]), kind: .group, name: "staff"),
        GrantRule(when: .attribute("Department", equals: "sales"), kind: .role, name: "sales"),
        GrantRule(when: .attribute("country", oneOf: ["DE", "AT"]), kind: .group, name: "dach"),
    ]

    @Test func conditionsMatchDomainsAndAttributesIgnoringCase() {
        var claims = SignupClaims()
        claims.email = "Ada@EU.Contoso.com"
        claims.custom = ["extension_0a1b_Department": .string("SALES"), "extension_0a1b_Level": .int(5)]
        #expect(GrantRule.Condition.emailDomain(["*.contoso.com"]).matches(claims))
        #expect(!GrantRule.Condition.emailDomain(["contoso.com"]).matches(claims))
        #expect(GrantRule.Condition.emailDomain(["eu.contoso.com"]).matches(claims))
        #expect(!GrantRule.Condition.emailDomain(["*.eu.contoso.com", "*.com.au"]).matches(claims))
        #expect(GrantRule.Condition.attribute("Department", equals: "sales").matches(claims))
        #expect(GrantRule.Condition.attribute("extension_0a1b_Department", oneOf: ["Marketing", "Sales"]).matches(claims))
        #expect(GrantRule.Condition.attribute("Level", equals: "5").matches(claims))
        #expect(!GrantRule.Condition.attribute("country", equals: "DE").matches(claims))
    }

    @Test func grantsFollowTheRulesOnlyForSignupsThatGoOnAndAreStoredOnce() async throws {
        try await TestFixtures.withCluster { cluster in
            let configuration = WorkerFixture.configuration(cluster)
            let (store, database) = try PermissionsFixture.store()
            let worker = PermissionsWorker(
                name: TestFixtures.unique("permissions"), configuration: PermissionsConfiguration(grants: Self.rules), store: store)
            let ada = PermissionsFixture.signup(
                id: "ada-1", email: "Ada@Contoso.com", custom: ["extension_0a1b_Department": .string("Sales")])
            // One user's events are handled in order, so each user's last event, which grants, shows
            // that the ones before it were handled; its event id shows they granted nothing.
            let events = [
                ada,
                // The rules rewrote the country: the rewritten value counts.
                PermissionsFixture.signup(
                    id: "bob-1", email: "bob@eu.contoso.com", decision: SignupDecision(action: .modify(["country": .string("DE")])),
                    country: "FR"),
                PermissionsFixture.signup(
                    id: "mallory-1", email: "mallory@contoso.com", decision: SignupDecision(action: .block(message: "No.", title: nil))),
                PermissionsFixture.signup(
                    id: "eve-1", email: "eve@contoso.com",
                    decision: SignupDecision(action: .validationError(message: "Fix it.", attributeErrors: ["city": "Fix it."]))),
                // Before the attribute page: a later step may still block, so no grant yet.
                PermissionsFixture.signup(id: "carol-1", email: "carol@contoso.com", step: .postFederationSignup),
                PermissionsFixture.signup(id: "dave-1", email: "dave@fabrikam.com", country: "CH"),
                // The same event delivered twice, and a later sign-up of Ada's granting the same and more.
                ada,
                PermissionsFixture.signup(
                    id: "ada-2", email: "ada@contoso.com", country: "AT", custom: ["extension_0a1b_Department": .string("sales")]),
                PermissionsFixture.signup(id: "mallory-2", email: "mallory@contoso.com"),
                PermissionsFixture.signup(id: "eve-2", email: "eve@contoso.com"),
                PermissionsFixture.signup(id: "carol-2", email: "carol@contoso.com"),
                PermissionsFixture.signup(id: "dave-2", email: "dave@fabrikam.com", country: "AT"),
            ]
            try await PermissionsFixture.publish(cluster, topic: configuration.sourceTopics[0], events)
            try await WorkerFixture.withRunner(worker, configuration, cluster) {
                try await waitUntil("every user's last sign-up granted", limit: .seconds(60)) {
                    try await store.grants(user: nil).count >= 9
                }
            }

            let grants = try await store.grants(user: nil)
            #expect(
                grants.map { "\($0.userKey) \($0.kind) \($0.name) \($0.eventID)" } == [
                    "ada@contoso.com group dach ada-2", "ada@contoso.com group staff ada-1", "ada@contoso.com role sales ada-1",
                    "bob@eu.contoso.com group dach bob-1", "bob@eu.contoso.com group staff bob-1", "carol@contoso.com group staff carol-2",
                    "dave@fabrikam.com group dach dave-2", "eve@contoso.com group staff eve-2", "mallory@contoso.com group staff mallory-2",
                ])
            #expect(grants.allSatisfy { $0.scimPushedAt == nil })

            let table = try ChildProcess.run(ExternalTools.gatehouse(), arguments: ["grants", "list", "--database", database])
            let lines = table.split(separator: "\n")
            #expect(lines.first?.hasPrefix("USER") == true)
            #expect(lines.contains { $0.hasPrefix("ada@contoso.com") && $0.contains("role   sales") && $0.contains("ada-1") })
            #expect(lines.last == "9 grants.")
            let adas = try ChildProcess.run(
                ExternalTools.gatehouse(), arguments: ["grants", "list", "--database", database, "--user", "ADA@contoso.com", "--json"])
            let objects = try adas.split(separator: "\n").map { try JSONValue.parse(Array($0.utf8)) }
            #expect(objects.map { $0["name"]?.stringValue } == ["dach", "staff", "sales"])
            #expect(objects.first?["scimPushedAt"] == .null)
        }
    }
}
