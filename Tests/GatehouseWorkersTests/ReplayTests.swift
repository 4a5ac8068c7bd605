import Foundation
import GatehouseKafka
import GatehouseReplay
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Testing

/// `gatehouse replay` and `gatehouse trace` against an embedded cluster.
@Suite struct ReplayTests {
    private static func gatehouse(_ arguments: [String], allowFailure: Bool = false) throws -> String {
        let quiet = arguments.first == "replay" ? ["--log-level", "error"] : []
        return try ChildProcess.run(ExternalTools.gatehouse(), arguments: arguments + quiet, allowFailure: allowFailure)
    }

    private static func lines(_ output: String) throws -> [JSONValue] {
        try output.split(separator: "\n").map { try JSONValue.parse(Array($0.utf8)) }
    }

    @Test func aReplayPrintsExactlyThePublishedEventsInOrderAndFilters() async throws {
        let topic = TestFixtures.unique("signups")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 3)]) { cluster in
            let events = (0..<30).map { (id: "e-\($0)", user: "user-\($0 % 5)@example.com") }
            try await WorkerFixture.publish(cluster, topic: topic, events)
            let base = ["replay", "--bootstrap", cluster.bootstrapServers, "--topic", topic]

            let output = try Self.gatehouse(base)
            let all = try Self.lines(output)
            #expect(all.count == 30)
            for line in output.split(separator: "\n").prefix(2) {
                try SchemaValidator.expectValid("replay-line.schema.json", Array(line.utf8))
            }
            #expect(Set(all.compactMap { $0["id"]?.stringValue }) == Set(events.map(\.id)))
            #expect(
                all.allSatisfy { $0["specversion"] == "1.0" && $0["type"] == .string(SignupEvent.type) && $0["data"]?["userKey"] != nil })
            for user in 0..<5 {
                let expected = events.filter { $0.user == "user-\(user)@example.com" }.map(\.id)
                #expect(
                    all.filter { $0["subject"] == .string("user-\(user)@example.com") }.compactMap { $0["id"]?.stringValue } == expected)
            }

            let one = try Self.lines(try Self.gatehouse(base + ["--user", "USER-3@example.com"]))
            #expect(one.compactMap { $0["id"]?.stringValue } == ["e-3", "e-8", "e-13", "e-18", "e-23", "e-28"])
            #expect(try Self.gatehouse(base + ["--type", "dev.gatehouse.other.v1"]).isEmpty)
            #expect(try Self.lines(try Self.gatehouse(base + ["--type", SignupEvent.type])).count == 30)

            // From offsets, as an interrupted replay prints them, and until offsets.
            let resumed = try Self.lines(try Self.gatehouse(base + ["--from", "0:1,1:1,2:1", "--until", "0:3,1:3,2:3"]))
            var expected: Int64 = 0
            let probe = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(cluster, .partitions([:])), logger: TestFixtures.logger("probe"))
            for partition in Int32(0)..<3 {
                let high = try await probe.watermarks(of: KafkaTopicPartition(topic: topic, partition: partition)).high
                expected += max(0, min(high, 3) - 1)
            }
            await probe.close()
            #expect(resumed.count == Int(expected))
            // A time start (the embedded broker makes it a scan) after everything gives nothing.
            #expect(try Self.gatehouse(base + ["--from", "2999-01-01T00:00:00Z"]).isEmpty)
            #expect(try Self.lines(try Self.gatehouse(base + ["--from", "2000-01-01T00:00:00Z"])).count == 30)

            let bad = try ChildProcess.run(
                ExternalTools.gatehouse(), arguments: base + ["--from", "yesterday"], allowFailure: true, includeStandardError: true)
            #expect(bad.contains("--from must be beginning, an RFC 3339 time"))
        }
    }

    @Test func anInterruptedReplayStopsCleanlyAndSaysWhereToResume() async throws {
        let topic = TestFixtures.unique("signups")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 2)]) { cluster in
            try await WorkerFixture.publish(cluster, topic: topic, (0..<4).map { (id: "e-\($0)", user: "user-\($0)@example.com") })
            let replay = try ChildProcess.start(
                ExternalTools.gatehouse(),
                arguments: ["replay", "--bootstrap", cluster.bootstrapServers, "--topic", topic, "--follow", "--log-level", "error"],
                includeStandardError: true)
            defer { replay.terminate() }
            try await withDeadline(.seconds(30), "the four events") {
                for _ in 0..<4 { _ = try replay.readLine() }
            }
            replay.interrupt()
            let summary = try await withDeadline(.seconds(30), "the summary") {
                var lines: [String] = []
                while let line = try? replay.readLine() { lines.append(line) }
                return lines.joined(separator: "\n")
            }
            #expect(replay.waitForExit() == 0)
            #expect(summary.contains("Replayed 4 of 4 matching events"))
            #expect(summary.contains("Interrupted. Resume with: --from 0:"))
        }
    }

    @Test func aReplayIntoTheAuditWorkerRebuildsTheStoreOnceAndADryRunWritesNothing() async throws {
        try await TestFixtures.withCluster { cluster in
            let configuration = WorkerFixture.configuration(cluster)
            let topic = configuration.sourceTopics[0]
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("replay"))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let live = try SQLiteAuditStore(path: folder.appendingPathComponent("live.sqlite").path)
            let events = (0..<40).map { (id: "e-\($0)", user: "user-\($0 % 6)@example.com") }
            try await WorkerFixture.publish(cluster, topic: topic, events)
            try await WorkerFixture.withRunner(AuditWorker(name: TestFixtures.unique("audit"), store: live), configuration, cluster) {
                try await waitUntil("the live store to hold every event") { try await live.records(AuditQuery()).count == 40 }
            }

            func config(_ name: String) throws -> String {
                let path = folder.appendingPathComponent("\(name).yaml")
                try """
                kafka: {bootstrap_servers: ["\(cluster.bootstrapServers)"], topic: \(topic)}
                durability: {data_dir: "\(folder.appendingPathComponent(name).path)"}
                workers: {audit: {database: "\(folder.appendingPathComponent("\(name).sqlite").path)"}}
                """.write(to: path, atomically: true, encoding: .utf8)
                return path.path
            }
            let rebuilt = try config("rebuilt")
            let dry = try Self.gatehouse(["replay", "--config", try config("dry"), "--into-worker", "audit", "--dry-run"])
            #expect(dry.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("dry.sqlite").path))

            _ = try Self.gatehouse(["replay", "--config", rebuilt, "--into-worker", "audit"])
            let store = try SQLiteAuditStore(path: folder.appendingPathComponent("rebuilt.sqlite").path)
            func contents(_ store: SQLiteAuditStore) async throws -> Set<AuditRecord.Entry> {
                Set(
                    try await store.records(AuditQuery()).map { record in
                        var entry = record.entry
                        entry.origin = ""
                        return entry
                    })
            }
            #expect(try await contents(store) == contents(live))
            #expect(
                try Self.gatehouse(["audit", "verify", "--database", folder.appendingPathComponent("rebuilt.sqlite").path])
                    .contains("intact: 40 records"))

            // Again: the worker's records pass every event over; nothing is appended twice.
            let again = try ChildProcess.run(
                ExternalTools.gatehouse(), arguments: ["replay", "--config", rebuilt, "--into-worker", "audit", "--log-level", "error"],
                includeStandardError: true)
            #expect(again.contains("40 events were passed over"))
            #expect(try await store.records(AuditQuery()).count == 40)
        }
    }

    @Test func aTraceShowsAFailedWebhooksDeadLetterAndItsReason() async throws {
        let receiver = WebhookReceiver(["/hooks/crm": [.init(status: 400, body: #"{"error":"unknown field claims"}"#)]])
        try await receiver.serve { base in
            try await TestFixtures.withCluster { cluster in
                var configuration = WorkerFixture.configuration(cluster)
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("trace"))
                var notifications = NotificationsConfiguration(dataDirectory: folder)
                notifications.targets["crm"] = .webhook(WebhookTarget(url: base.appendingPathComponent("hooks/crm")))
                notifications.routes = [NotificationRoute(targets: ["crm"])]
                let worker = try NotificationsWorker(name: TestFixtures.unique("notifications"), configuration: notifications)
                let database = folder.appendingPathComponent("audit.sqlite").path
                let store = try SQLiteAuditStore(path: database)
                var auditConfiguration = configuration
                auditConfiguration.sourceTopics.append(try #require(configuration.outcomesTopic))
                configuration.dataDirectory = folder

                let audit = auditConfiguration
                try await NotificationsFixture.publish(
                    cluster, topic: configuration.sourceTopics[0],
                    [(id: "ada-1", user: "ada@example.com", data: NotificationsFixture.signupData("ada@example.com"))])
                try await NotificationsFixture.withWorker(worker, configuration, cluster) {
                    try await WorkerFixture.withRunner(AuditWorker(name: TestFixtures.unique("audit"), store: store), audit, cluster) {
                        try await waitUntil("the dead letter in the audit store") {
                            let trace = try? await SignupTrace.build(for: "ada@example.com", store: store)
                            return trace?.requests.first?.outcomes.contains { $0.status == .deadLettered } == true
                        }
                    }
                }
                let text = try Self.gatehouse(["trace", "ada@example.com", "--database", database])
                #expect(text.contains("Sign-up of ada@example.com: 1 request"))
                #expect(text.contains("event ada-1"))
                #expect(text.contains("dead-lettered after attempt 1: webhook crm answered 400"))
                let json = try JSONValue.parse(Array(try Self.gatehouse(["trace", "ada-1", "--database", database, "--json"]).utf8))
                #expect(json["userKey"] == "ada@example.com")
                let outcomes = json["requests"]?.arrayValue?.first?["outcomes"]?.arrayValue ?? []
                #expect(outcomes.contains { $0["status"] == "deadLettered" && $0["error"]?.stringValue?.contains("400") == true })
            }
        }
    }
}
