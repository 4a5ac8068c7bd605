import Foundation
import GRDB
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Testing

/// `gatehouse worker` and `gatehouse audit` as child processes against an embedded cluster.
@Suite struct WorkerCommandTests {
    @Test func aWorkerKilledBeforeCommittingRedoesNoSideEffectAndTheAuditVerifies() async throws {
        try await TestFixtures.withCluster { cluster in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("worker-cli"))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let topic = TestFixtures.unique("signups")
            let outcomes = TestFixtures.unique("outcomes")
            let database = folder.appendingPathComponent("audit.sqlite").path
            let config = try WorkerFixture.writeCommandConfiguration(
                in: folder, cluster: cluster, topic: topic, outcomes: outcomes,
                workers: """
                    commit_interval_ms: 3600000
                    audit: {database: "\(database)"}
                    """)
            try await cluster.createTopics([KafkaTopicSpecification(name: outcomes, partitions: 3)])
            let events = (0..<20).map { (id: "e-\($0)", user: "user-\($0 % 4)@example.com") }
            try await WorkerFixture.publish(cluster, topic: topic, events)

            let first = try ChildProcess.start(
                ExternalTools.gatehouse(), arguments: ["worker", "audit", "--config", config.path, "--log-level", "error"])
            defer { first.terminate() }
            try await waitUntil("the first worker to audit every event", limit: .seconds(60)) { Self.count(database) == 20 }
            // Killed with its offsets uncommitted (the interval is an hour): the next one reads everything again.
            first.kill()
            _ = first.waitForExit()

            // This one also serves its metrics (on a free port; the URL is its first line of output).
            let second = try ChildProcess.start(
                ExternalTools.gatehouse(),
                arguments: ["worker", "audit", "--config", config.path, "--metrics", "127.0.0.1:0", "--log-level", "error"])
            defer { second.terminate() }
            let metricsURL = try await withDeadline(.seconds(60), "the second worker to print its metrics URL") { try second.readLine() }
            #expect(metricsURL.hasPrefix("http://127.0.0.1:") && metricsURL.hasSuffix("/metrics"))
            // The group rejoin after a kill alone takes some 40 s here, and past 120 s when the whole suite
            // (a PostgreSQL server, gateways with embedded clusters and other worker processes among it)
            // shares two cores. Once in about a dozen runs it has taken longer than 240 s (the test then
            // failed after 280 s); the cause is not known, and 300 s is both librdkafka's
            // max.poll.interval.ms (the rebalance timeout a JoinGroup carries) and its metadata refresh
            // interval. 330 s waits that out: a slow rejoin is not what this test is about.
            try await waitUntil("the second worker to pass over all 20 again", limit: .seconds(330)) {
                try await TestFixtures.messageCount(cluster, topic: outcomes, partitions: 3) >= 40
            }
            let records = try await TestFixtures.readTopic(cluster, topic: outcomes, count: 40)
            #expect(records.filter { $0.valueString?.contains(#""status":"duplicate""#) == true }.count == 20)
            // Its metrics count at least the 20 sign-ups as duplicates (the outcomes the first worker
            // published may be among them, as the audit worker keeps those too). A count may trail the
            // outcome it follows, so it is awaited.
            let url = try #require(URL(string: metricsURL))
            try await waitUntil("the worker's metrics to count 20 duplicates", limit: .seconds(30)) {
                let metrics = try await HTTPTestClient.get(url)
                let duplicates = metrics.body.split(separator: "\n")
                    .first { $0.hasPrefix(#"gatehouse_worker_events_total{worker="audit",outcome="duplicate"} "#) }
                    .flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }
                return (duplicates ?? 0) >= 20
            }
            second.interrupt()
            #expect(second.waitForExit() == 0)
            #expect(Self.count(database) == 20)

            let verified = try ChildProcess.run(ExternalTools.gatehouse(), arguments: ["audit", "verify", "--database", database])
            // 20 sign-ups, and the outcomes of the workers' work on them, which the audit worker keeps too.
            #expect(verified.contains("The audit chain is intact:"))
            let queried = try ChildProcess.run(
                ExternalTools.gatehouse(),
                arguments: ["audit", "query", "--database", database, "--user", "USER-1@example.com", "--type", SignupEvent.type])
            #expect(queried.split(separator: "\n").count == 5)

            let queue = try DatabaseQueue(path: database)
            try await queue.write { try $0.execute(sql: "UPDATE audit_records SET subject = 'mallory@example.com' WHERE sequence = 7") }

            let broken = try ChildProcess.run(
                ExternalTools.gatehouse(), arguments: ["audit", "verify", "--database", database], allowFailure: true)
            #expect(broken.contains("record 7 (event "))
            #expect(broken.contains("was changed"))
            #expect(broken.contains("The audit chain is broken"))
        }
    }

    /// `--metrics` takes HOST:PORT; anything else is refused by name before anything starts.
    @Test func aMalformedMetricsAddressIsRefused() throws {
        let refused = try ChildProcess.run(
            ExternalTools.gatehouse(), arguments: ["worker", "audit", "--config", "/nonexistent.yaml", "--metrics", "9465"],
            allowFailure: true, includeStandardError: true)
        #expect(refused.contains("--metrics '9465' is not HOST:PORT"))
    }

    private static func count(_ database: String) -> Int {
        guard FileManager.default.fileExists(atPath: database), let queue = try? DatabaseQueue(path: database) else { return 0 }
        return (try? queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM audit_records WHERE type = '\(SignupEvent.type)'") }) ?? 0
    }
}
