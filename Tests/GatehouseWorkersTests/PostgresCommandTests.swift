import Foundation
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Testing

/// `gatehouse worker`, `audit verify|query` and `grants list` as child processes, with both stores
/// in one PostgreSQL database.
@Suite struct PostgresCommandTests {
    @Test func theWorkersAndTheCommandsUsePostgreSQLWhenConfigured() async throws {
        let server = try await PostgresServer.shared()
        let url = try await server.createDatabase("cli")
        try await TestFixtures.withCluster { cluster in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("pg-cli"))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let topic = TestFixtures.unique("signups")
            let outcomes = TestFixtures.unique("outcomes")
            let config = try WorkerFixture.writeCommandConfiguration(
                in: folder, cluster: cluster, topic: topic, outcomes: outcomes,
                workers: """
                    audit: {database: "\(url)"}
                    permissions:
                      database: "\(url)"
                      grants:
                        - {email_domain: [example.com], group: staff}
                    """)
            try await cluster.createTopics([KafkaTopicSpecification(name: outcomes, partitions: 3)])
            try await WorkerFixture.publish(cluster, topic: topic, (0..<20).map { (id: "e-\($0)", user: "user-\($0 % 4)@example.com") })

            let worker = try ChildProcess.start(
                ExternalTools.gatehouse(), arguments: ["worker", "audit", "permissions", "--config", config.path, "--log-level", "error"])
            defer { worker.terminate() }
            try await waitUntil("every sign-up audited and granted in PostgreSQL", limit: .seconds(90)) {
                let audited = try? await server.count("SELECT COUNT(*) FROM audit_records WHERE type = '\(SignupEvent.type)'", in: url)
                let granted = try? await server.count("SELECT COUNT(*) FROM grants", in: url)
                return audited == 20 && granted == 4
            }
            worker.interrupt()
            #expect(worker.waitForExit() == 0)

            let gatehouse = try ExternalTools.gatehouse()
            let verified = try ChildProcess.run(gatehouse, arguments: ["audit", "verify", "--config", config.path])
            #expect(verified.contains("The audit chain is intact:"))
            let queried = try ChildProcess.run(
                gatehouse,
                arguments: ["audit", "query", "--config", config.path, "--user", "USER-1@example.com", "--type", SignupEvent.type])
            #expect(queried.split(separator: "\n").count == 5)
            let grants = try ChildProcess.run(gatehouse, arguments: ["grants", "list", "--config", config.path])
            #expect(grants.split(separator: "\n").last == "4 grants.")
            let traced = try ChildProcess.run(gatehouse, arguments: ["trace", "user-2@example.com", "--config", config.path])
            #expect(traced.contains("Sign-up of user-2@example.com: 5 requests"))

            try await server.execute("UPDATE audit_records SET subject = 'mallory@example.com' WHERE sequence = 7", in: url)
            let broken = try ChildProcess.run(gatehouse, arguments: ["audit", "verify", "--database", url], allowFailure: true)
            #expect(broken.contains("record 7 (event "))
            #expect(broken.contains("was changed"))
            #expect(broken.contains("The audit chain is broken"))
        }
    }

    @Test func anUnreachableServerFailsTheCommandsClearly() async throws {
        // A port the kernel just picked as free, not a guess near another server's: in a busy test run
        // a guessed port can belong to an embedded broker, which accepts and never answers.
        let closed = try PostgresServer.freePort()
        let config = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("pg-down") + ".yaml")
        try """
        kafka: {bootstrap_servers: ["127.0.0.1:9"]}
        workers:
          audit: {database: "postgres://gatehouse:s3cret-pw@127.0.0.1:\(closed)/gatehouse?sslmode=disable&connect_timeout=5"}
          permissions: {database: "postgres://gatehouse:s3cret-pw@127.0.0.1:\(closed)/gatehouse?sslmode=disable&connect_timeout=5"}
        """.write(to: config, atomically: true, encoding: .utf8)
        let gatehouse = try ExternalTools.gatehouse()
        for arguments in [["audit", "verify"], ["grants", "list"]] {
            let output = try await withDeadline(.seconds(30), "\(arguments) to fail") {
                try ChildProcess.run(
                    gatehouse, arguments: arguments + ["--config", config.path], allowFailure: true, includeStandardError: true)
            }
            #expect(
                output.contains("PostgreSQL at postgres://gatehouse:***@127.0.0.1:\(closed)/gatehouse?sslmode=disable: cannot connect"),
                "\(output)")
            #expect(!output.contains("s3cret-pw"))
        }
    }
}
