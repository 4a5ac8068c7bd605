import Foundation
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Testing

/// The grant store in a real PostgreSQL server, and the permissions worker into it.
@Suite struct PostgresGrantTests {
    static func withStore<T: Sendable>(_ body: @escaping @Sendable (PostgresGrantStore, _ url: String) async throws -> T) async throws -> T
    {
        let url = try await PostgresServer.createDatabase("grants")
        let store = PostgresGrantStore(configuration: try PostgresConfiguration(url: url), logger: TestFixtures.logger("grants"))
        return try await WorkerFixture.withServices([store]) { try await body(store, url) }
    }

    @Test func grantsAreStoredOnceAndListedByUserKindAndName() async throws {
        try await Self.withStore { (store, url) async throws in
            let time = Date(timeIntervalSince1970: 1_790_000_000.25)
            let staff = Grant(userKey: "ada@contoso.com", kind: .group, name: "staff", eventID: "e-1", grantedAt: time)
            let sales = Grant(userKey: "ada@contoso.com", kind: .role, name: "sales", eventID: "e-1", grantedAt: time)
            let bob = Grant(userKey: "bob@contoso.com", kind: .group, name: "staff", eventID: "e-2", grantedAt: time)
            #expect(try await store.add([staff, sales, staff]) == [staff, sales])
            // A later event granting the same again keeps the first event and time.
            var again = staff
            again.eventID = "e-3"
            again.grantedAt = time.addingTimeInterval(60)
            #expect(try await store.add([again, bob]) == [bob])
            #expect(try await store.add([again]).isEmpty)
            #expect(try await PostgresServer.shared().count("SELECT COUNT(*) FROM grants", in: url) == 3)

            let all = try await store.grants(user: nil)
            #expect(
                all.map { "\($0.userKey) \($0.kind) \($0.name) \($0.eventID)" } == [
                    "ada@contoso.com group staff e-1", "ada@contoso.com role sales e-1", "bob@contoso.com group staff e-2",
                ])
            #expect(all[0].grantedAt == time)
            #expect(try await store.grants(user: "ADA@Contoso.com").map(\.name) == ["staff", "sales"])

            let pushed = Date(timeIntervalSince1970: 1_790_000_100)
            try await store.markPushed(staff, at: pushed)
            let marked = try await store.grants(user: "ada@contoso.com")
            #expect(marked.map(\.scimPushedAt) == [pushed, nil])
        }
    }

    @Test func thePermissionsWorkerGrantsIntoPostgreSQLOnce() async throws {
        try await TestFixtures.withCluster { cluster in
            let configuration = WorkerFixture.configuration(cluster)
            try await Self.withStore { (store, _) async throws in
                let worker = PermissionsWorker(
                    name: TestFixtures.unique("permissions"), configuration: PermissionsConfiguration(grants: PermissionsTests.rules),
                    store: store)
                let ada = PermissionsFixture.signup(
                    id: "ada-1", email: "Ada@Contoso.com", custom: ["extension_0a1b_Department": .string("Sales")])
                let events = [
                    ada, ada, PermissionsFixture.signup(id: "dave-1", email: "dave@fabrikam.com", country: "AT"),
                    PermissionsFixture.signup(
                        id: "mallory-1", email: "mallory@contoso.com",
                        decision: SignupDecision(action: .block(message: "No.", title: nil))),
                ]
                try await PermissionsFixture.publish(cluster, topic: configuration.sourceTopics[0], events)
                try await WorkerFixture.withRunner(worker, configuration, cluster) {
                    try await waitUntil("both users granted", limit: .seconds(60)) { try await store.grants(user: nil).count >= 3 }
                }
                let grants = try await store.grants(user: nil)
                #expect(
                    grants.map { "\($0.userKey) \($0.kind) \($0.name) \($0.eventID)" } == [
                        "ada@contoso.com group staff ada-1", "ada@contoso.com role sales ada-1", "dave@fabrikam.com group dach dave-1",
                    ])
            }
        }
    }
}
