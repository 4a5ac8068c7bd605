import Foundation
import GRDB
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import ServiceLifecycle
import Testing

@Suite struct AuditTests {
    private static func store() throws -> (SQLiteAuditStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("audit") + ".sqlite").path
        return (try SQLiteAuditStore(path: path), path)
    }

    private static func entries(_ count: Int, from start: Int = 0) -> [AuditRecord.Entry] {
        (start..<(start + count)).map { index in
            AuditRecord.Entry(
                eventID: "event-\(index)", type: SignupEvent.type, source: "/gatehouse/test", subject: "user-\(index % 3)@example.com",
                time: SignupEvent.timestamp(Date(timeIntervalSince1970: 1_790_000_000 + Double(index))), data: #"{"n":\#(index)}"#)
        }
    }

    /// Edits the database behind the store's back, as a tamperer would.
    private static func tamper(_ path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: sql) }
    }

    @Test func appendsAreChainedIdempotentAndVerify() async throws {
        let (store, _) = try Self.store()
        #expect(try await store.append(Self.entries(5)) == 5)
        #expect(try await store.append(Self.entries(7)) == 2)
        #expect(try await store.append(Self.entries(2, from: 6) + Self.entries(1, from: 6)) == 1)
        let records = try await store.records(AuditQuery())
        #expect(records.map(\.sequence) == Array(1...8))
        #expect(records.first?.previousHash == AuditRecord.genesis)
        for (earlier, later) in zip(records, records.dropFirst()) { #expect(later.previousHash == earlier.hash) }
        let verification = try await store.verify()
        #expect(verification.isIntact)
        #expect(verification.records == 8)
    }

    /// The chain's content is written member by member; it must stay the canonical JSON of the same
    /// object, or every stored hash would stop verifying.
    @Test func theHashedContentIsTheCanonicalJSONOfTheRecord() {
        let entry = AuditRecord.Entry(
            eventID: "e-1\"x", type: SignupEvent.type, source: "/gatehouse/tést", subject: "zoë@example.com",
            time: "2026-11-26T10:00:00.123Z", data: #"{"a":"b\"c","n":[1,2.5,null],"t":"tab\there"}"# + "\u{1}")
        let object = JSONValue.object([
            "sequence": .int(42), "eventId": .string(entry.eventID), "type": .string(entry.type), "source": .string(entry.source),
            "subject": .string(entry.subject), "time": .string(entry.time), "data": .string(entry.data),
        ])
        #expect(AuditRecord.canonicalContent(sequence: 42, entry) == object.canonicalBytes())
    }

    @Test func verifyNamesAChangedRecord() async throws {
        let (store, path) = try Self.store()
        try await store.append(Self.entries(5))
        try Self.tamper(path, #"UPDATE audit_records SET data = '{"n":99}' WHERE sequence = 3"#)
        let verification = try await store.verify()
        #expect(verification.problems == ["record 3 (event event-2) was changed: its content does not match its hash"])
    }

    @Test func verifyNamesADeletedRecordAndADeletedTail() async throws {
        let (store, path) = try Self.store()
        try await store.append(Self.entries(6))
        try Self.tamper(path, "DELETE FROM audit_records WHERE sequence = 2")
        #expect(try await store.verify().problems == ["record 2 is missing (deleted) before record 3 (event event-2)"])
        try Self.tamper(path, "DELETE FROM audit_records WHERE sequence >= 5")
        #expect(try await store.verify().problems.contains("records 5–6 are missing (deleted) at the end of the chain"))
    }

    @Test func verifyNamesReorderedRecords() async throws {
        let (store, path) = try Self.store()
        try await store.append(Self.entries(4))
        // Swap records 2 and 3 wholesale, hashes and all, keeping the sequence numbers.
        try Self.tamper(
            path,
            """
            UPDATE audit_records SET sequence = -2 WHERE sequence = 2;
            UPDATE audit_records SET sequence = 2 WHERE sequence = 3;
            UPDATE audit_records SET sequence = 3 WHERE sequence = -2;
            """
        )
        let problems = try await store.verify().problems
        #expect(problems.contains { $0.hasPrefix("record 2 (event event-2) does not follow the record before it") })
        #expect(problems.contains { $0.hasPrefix("record 3 (event event-1) does not follow the record before it") })
    }

    @Test func queryFiltersByUserTypeAndTime() async throws {
        let (store, _) = try Self.store()
        try await store.append(Self.entries(9))
        #expect(try await store.records(AuditQuery(subject: "USER-1@example.com")).map(\.eventID) == ["event-1", "event-4", "event-7"])
        #expect(try await store.records(AuditQuery(type: "other.type")).isEmpty)
        let since = Date(timeIntervalSince1970: 1_790_000_003)
        let until = Date(timeIntervalSince1970: 1_790_000_006)
        #expect(try await store.records(AuditQuery(since: since, until: until)).map(\.eventID) == ["event-3", "event-4", "event-5"])
    }

    /// The audit worker end to end, into SQLite and into PostgreSQL.
    @Test(arguments: ["sqlite", "postgres"])
    func theAuditWorkerStoresEveryEventFromKafkaOnce(_ database: String) async throws {
        let store: any AuditStore
        var services: [any Service] = []
        if database == "postgres" {
            let postgres = PostgresAuditStore(
                configuration: try PostgresConfiguration(url: try await PostgresServer.createDatabase("audit")),
                logger: TestFixtures.logger("audit"))
            store = postgres
            services.append(postgres)
        } else {
            store = try Self.store().0
        }
        try await TestFixtures.withCluster { cluster in
            let configuration = WorkerFixture.configuration(cluster)
            let events = (0..<300).map { (id: "e-\($0)", user: "user-\($0 % 11)@example.com") }
            try await WorkerFixture.publish(cluster, topic: configuration.sourceTopics[0], events + [events[5], events[77]])
            let worker = AuditWorker(name: TestFixtures.unique("audit"), store: store)
            let runner = WorkerRunner(worker: worker, configuration: configuration, topics: cluster, logger: TestFixtures.logger("worker"))
            try await WorkerFixture.withServices(services + [runner]) { () async throws in
                try await waitUntil("every event audited") { try await store.records(AuditQuery(limit: 1000)).count == 300 }
                let records = try await store.records(AuditQuery(limit: 1000))
                #expect(records.count == 300)
                #expect(Set(records.map(\.eventID)) == Set(events.map(\.id)))
                #expect(try await store.verify().isIntact)
                let first = try #require(records.first { $0.eventID == "e-0" })
                #expect(first.subject == "user-0@example.com")
                #expect(first.type == SignupEvent.type)
            }
        }
    }
}
