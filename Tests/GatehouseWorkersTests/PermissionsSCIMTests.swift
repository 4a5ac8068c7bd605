import Foundation
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import HTTPTypes
import Testing

/// The permissions worker pushing group memberships to a real SCIM server on loopback.
@Suite struct PermissionsSCIMTests {
    static let token = "scim-test-token-\(UUID().uuidString)"

    static func configuration(_ url: String, groups: [String: String]) -> PermissionsConfiguration {
        PermissionsConfiguration(
            grants: [
                GrantRule(when: .emailDomain(["contoso.com"]), kind: .group, name: "staff"),
                GrantRule(when: .emailDomain(["contoso.com"]), kind: .group, name: "alpha"),
                GrantRule(when: .emailDomain(["contoso.com"]), kind: .group, name: "unmapped"),
                GrantRule(when: .emailDomain(["contoso.com"]), kind: .role, name: "reader"),
                GrantRule(when: .attribute("Department", equals: "Sales"), kind: .role, name: "sales"),
            ],
            scim: SCIMConfiguration(url: url, token: .value(token), groups: groups, timeout: .seconds(5))
        )
    }

    @Test func theServerReceivesTheRFC7644PatchWithTheTokenAndTheMemberOnce() async throws {
        try await TestFixtures.withCluster { cluster in
            try await SCIMServer.with { server, url in
                let configuration = WorkerFixture.configuration(cluster)
                let (store, _) = try PermissionsFixture.store()
                let worker = PermissionsWorker(
                    name: TestFixtures.unique("permissions"), configuration: Self.configuration(url, groups: ["staff": "2819c223 7f76"]),
                    store: store)
                let events = [
                    PermissionsFixture.signup(id: "ada-1", email: "Ada@contoso.com"),
                    // A later sign-up granting the same group (and a role, which shows it was handled)
                    // pushes nothing more.
                    PermissionsFixture.signup(
                        id: "ada-2", email: "ada@contoso.com", custom: ["extension_0a1b_Department": .string("Sales")]),
                ]
                try await PermissionsFixture.publish(cluster, topic: configuration.sourceTopics[0], events)
                // Shutting down finishes the handler in hand, so nothing is pushed after this.
                try await WorkerFixture.withRunner(worker, configuration, cluster) {
                    try await waitUntil("the second sign-up handled", limit: .seconds(60)) {
                        try await store.grants(user: "ada@contoso.com").contains { $0.name == "sales" }
                    }
                }

                let received = server.received
                try #require(received.count == 1)
                let request = received[0]
                #expect(request.method == "PATCH")
                #expect(request.path == "/scim/v2/Groups/2819c223%207f76")
                #expect(request.authorization == "Bearer \(Self.token)")
                #expect(request.contentType == "application/scim+json")
                let body = try JSONValue.parse(Array(request.body.utf8))
                #expect(
                    body
                        == .object([
                            "schemas": .array([.string("urn:ietf:params:scim:api:messages:2.0:PatchOp")]),
                            "Operations": .array([
                                .object([
                                    "op": .string("add"), "path": .string("members"),
                                    "value": .array([.object(["value": .string("ada@contoso.com")])]),
                                ])
                            ]),
                        ]))
                let grants = try await store.grants(user: "ada@contoso.com")
                #expect(grants.filter { $0.scimPushedAt != nil }.map(\.name) == ["staff"])
                #expect(grants.map(\.name) == ["alpha", "staff", "unmapped", "reader", "sales"])
            }
        }
    }

    @Test func aServiceUnavailableIsRetriedAfterRetryAfterAndResumesWithoutRepushing() async throws {
        try await TestFixtures.withCluster { cluster in
            let script: [String: [SCIMServer.Answer]] = ["id-staff": [SCIMServer.Answer(.serviceUnavailable, retryAfter: "1")]]
            try await SCIMServer.with(script: script) { server, url in
                let configuration = WorkerFixture.configuration(cluster, delays: [.milliseconds(200)])
                let (store, _) = try PermissionsFixture.store()
                let worker = PermissionsWorker(
                    name: TestFixtures.unique("permissions"),
                    configuration: Self.configuration(url, groups: ["alpha": "id-alpha", "staff": "id-staff"]), store: store)
                try await PermissionsFixture.publish(
                    cluster, topic: configuration.sourceTopics[0], [PermissionsFixture.signup(id: "ada-1", email: "ada@contoso.com")])
                try await WorkerFixture.withRunner(worker, configuration, cluster) {
                    try await waitUntil("both groups pushed", limit: .seconds(60)) {
                        try await store.grants(user: "ada@contoso.com").filter { $0.scimPushedAt != nil }.count == 2
                    }
                }

                let received = server.received
                // alpha (pushed), staff (503), then on the retry only staff: alpha is not pushed again.
                #expect(received.map(\.path) == ["/scim/v2/Groups/id-alpha", "/scim/v2/Groups/id-staff", "/scim/v2/Groups/id-staff"])
                if received.count == 3 {
                    #expect(received[2].at - received[1].at >= .seconds(1), "Retry-After: 1 outweighs the 200 ms retry delay")
                }
            }
        }
    }

    @Test func aNotFoundSendsTheEventToDeadLettersNamingTheStatusAndGroup() async throws {
        try await TestFixtures.withCluster { cluster in
            let script: [String: [SCIMServer.Answer]] = [
                "id-staff": [SCIMServer.Answer(.notFound, detail: "Resource id-staff not found")]
            ]
            try await SCIMServer.with(script: script) { server, url in
                let configuration = WorkerFixture.configuration(cluster, delays: [.milliseconds(200)])
                let (store, _) = try PermissionsFixture.store()
                let worker = PermissionsWorker(
                    name: TestFixtures.unique("permissions"), configuration: Self.configuration(url, groups: ["staff": "id-staff"]),
                    store: store)
                let deadLetters = DeadLetters(configuration: configuration, worker: worker.name)
                try await PermissionsFixture.publish(
                    cluster, topic: configuration.sourceTopics[0], [PermissionsFixture.signup(id: "ada-1", email: "ada@contoso.com")])
                try await WorkerFixture.withRunner(worker, configuration, cluster) {
                    try await waitUntil("the event dead-lettered", limit: .seconds(60)) {
                        try await deadLetters.list(logger: TestFixtures.logger("dlq")).count == 1
                    }
                }
                let letter = try #require(try await deadLetters.list(logger: TestFixtures.logger("dlq")).first)
                #expect(letter.eventID == "ada-1")
                #expect(letter.isPermanent)
                #expect(letter.attempts == 1)
                #expect(letter.error == "SCIM answered 404 for group 'staff' (PATCH /Groups/id-staff): Resource id-staff not found")
                #expect(server.received.count == 1)
                // The grants stay, unpushed: a redrive after fixing the group id pushes them.
                #expect(try await store.grants(user: "ada@contoso.com").count == 4)
                #expect(try await store.grants(user: "ada@contoso.com").allSatisfy { $0.scimPushedAt == nil })
            }
        }
    }
}
