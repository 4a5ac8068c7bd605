import Foundation
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Logging
import Testing

/// The audit store in a real PostgreSQL server (``PostgresServer``), a database per test.
@Suite struct PostgresAuditTests {
    /// A store in a new database, running for the duration of `body`.
    static func withStore<T: Sendable>(
        _ body: @escaping @Sendable (PostgresAuditStore, _ url: String, PostgresServer) async throws -> T
    ) async throws -> T {
        let server = try await PostgresServer.shared()
        let url = try await server.createDatabase("audit")
        let store = PostgresAuditStore(configuration: try PostgresConfiguration(url: url), logger: TestFixtures.logger("audit"))
        return try await WorkerFixture.withServices([store]) { try await body(store, url, server) }
    }

    static func entries(_ count: Int, from start: Int = 0) -> [AuditRecord.Entry] {
        (start..<(start + count)).map { index in
            AuditRecord.Entry(
                eventID: "event-\(index)", type: SignupEvent.type, source: "/gatehouse/test", subject: "user-\(index % 3)@example.com",
                time: SignupEvent.timestamp(Date(timeIntervalSince1970: 1_790_000_000 + Double(index))), data: #"{"n":\#(index)}"#,
                origin: "signups/\(index % 3)@\(index)")
        }
    }

    @Test func appendsAreChainedIdempotentAndVerify() async throws {
        try await Self.withStore { (store, _, _) async throws in
            #expect(try await store.append(Self.entries(5)) == 5)
            #expect(try await store.append(Self.entries(7)) == 2)
            #expect(try await store.append(Self.entries(2, from: 6) + Self.entries(1, from: 6)) == 1)
            let records = try await store.records(AuditQuery())
            #expect(records.map(\.sequence) == Array(1...8))
            #expect(records.first?.previousHash == AuditRecord.genesis)
            for (earlier, later) in zip(records, records.dropFirst()) { #expect(later.previousHash == earlier.hash) }
            #expect(records.last?.origin == "signups/1@7")
            let verification = try await store.verify()
            #expect(verification.isIntact)
            #expect(verification.records == 8)
        }
    }

    @Test func theSameEventTwiceIsStoredOnce() async throws {
        try await Self.withStore { (store, url, server) async throws in
            let entry = Self.entries(1)[0]
            #expect(try await store.append([entry]) == 1)
            #expect(try await store.append([entry]) == 0)
            #expect(try await store.append([entry, entry]) == 0)
            #expect(try await server.count("SELECT COUNT(*) FROM audit_records", in: url) == 1)
            #expect(try await store.verify().isIntact)
        }
    }

    @Test func verifyNamesAChangedRecord() async throws {
        try await Self.withStore { (store, url, server) async throws in
            try await store.append(Self.entries(5))
            try await server.execute(#"UPDATE audit_records SET data = '{"n":99}' WHERE sequence = 3"#, in: url)
            let verification = try await store.verify()
            #expect(verification.problems == ["record 3 (event event-2) was changed: its content does not match its hash"])
        }
    }

    @Test func verifyNamesADeletedRecordAndADeletedTail() async throws {
        try await Self.withStore { (store, url, server) async throws in
            try await store.append(Self.entries(6))
            try await server.execute("DELETE FROM audit_records WHERE sequence = 2", in: url)
            #expect(try await store.verify().problems == ["record 2 is missing (deleted) before record 3 (event event-2)"])
            try await server.execute("DELETE FROM audit_records WHERE sequence >= 5", in: url)
            #expect(try await store.verify().problems.contains("records 5–6 are missing (deleted) at the end of the chain"))
            // The chain goes on after its noted head, so the deleted tail stays a visible gap.
            try await store.append(Self.entries(1, from: 6))
            #expect(
                try await store.verify().problems.contains("records 5–6 are missing (deleted) before record 7 (event event-6)"))
        }
    }

    @Test func verifyNamesReorderedRecords() async throws {
        try await Self.withStore { (store, url, server) async throws in
            try await store.append(Self.entries(4))
            // Swap records 2 and 3 wholesale, hashes and all, keeping the sequence numbers.
            try await server.execute("UPDATE audit_records SET sequence = -2 WHERE sequence = 2", in: url)
            try await server.execute("UPDATE audit_records SET sequence = 2 WHERE sequence = 3", in: url)
            try await server.execute("UPDATE audit_records SET sequence = 3 WHERE sequence = -2", in: url)
            let problems = try await store.verify().problems
            #expect(problems.contains { $0.hasPrefix("record 2 (event event-2) does not follow the record before it") })
            #expect(problems.contains { $0.hasPrefix("record 3 (event event-1) does not follow the record before it") })
        }
    }

    @Test func queryFiltersByUserTypeAndTime() async throws {
        try await Self.withStore { (store, _, _) async throws in
            try await store.append(Self.entries(9))
            #expect(try await store.records(AuditQuery(subject: "USER-1@example.com")).map(\.eventID) == ["event-1", "event-4", "event-7"])
            #expect(try await store.records(AuditQuery(type: "other.type")).isEmpty)
            #expect(try await store.records(AuditQuery(eventID: "event-5")).map(\.sequence) == [6])
            let since = Date(timeIntervalSince1970: 1_790_000_003)
            let until = Date(timeIntervalSince1970: 1_790_000_006)
            #expect(try await store.records(AuditQuery(since: since, until: until)).map(\.eventID) == ["event-3", "event-4", "event-5"])
            #expect(try await store.records(AuditQuery(limit: 2)).map(\.eventID) == ["event-0", "event-1"])
        }
    }

    @Test func theSameEntriesHashTheSameInSQLiteAndPostgreSQL() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("audit") + ".sqlite").path
        let sqlite = try SQLiteAuditStore(path: path)
        let batches = [Self.entries(3), Self.entries(4, from: 2), Self.entries(1, from: 9)]
        for batch in batches { try await sqlite.append(batch) }
        let expected = try await sqlite.records(AuditQuery())
        try await Self.withStore { (store, _, _) async throws in
            for batch in batches { try await store.append(batch) }
            let records = try await store.records(AuditQuery())
            #expect(records.count == 7)
            #expect(records.map(\.hash) == expected.map(\.hash))
            #expect(records.map(\.previousHash) == expected.map(\.previousHash))
            #expect(records.map(\.entry) == expected.map(\.entry))
        }
    }

    @Test func twoStoresAppendingAtOnceKeepOneChain() async throws {
        try await Self.withStore { (first, url, _) async throws in
            let second = PostgresAuditStore(configuration: try PostgresConfiguration(url: url), logger: TestFixtures.logger("audit"))
            try await WorkerFixture.withServices([second]) { () async throws in
                // Both append the same 400 events in batches of 20, from opposite ends, at once: every
                // batch overlaps what the other store appends.
                let batches = (0..<20).map { Self.entries(20, from: $0 * 20) }
                let added = try await withThrowingTaskGroup(of: Int.self) { group in
                    for (store, order) in [(first, batches), (second, batches.reversed())] {
                        group.addTask {
                            var added = 0
                            for batch in order { added += try await store.append(batch) }
                            return added
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(added == 400)
            }
            let records = try await first.records(AuditQuery(limit: 1000))
            #expect(records.map(\.sequence) == Array(1...400))
            #expect(Set(records.map(\.eventID)).count == 400)
            let verification = try await first.verify()
            #expect(verification.isIntact, "\(verification.problems)")
        }
    }

    @Test func anUnreachableServerIsNamedWithoutItsPassword() async throws {
        let closed = try await PostgresServer.shared().port + 1
        // Nothing listens next to the server's port, or if something does, it is not PostgreSQL.
        var configuration = try PostgresConfiguration(url: "postgres://gatehouse:s3cret-pw@127.0.0.1:\(closed)/nowhere?sslmode=disable")
        configuration.connectTimeout = .seconds(5)
        let store = PostgresAuditStore(configuration: configuration, logger: TestFixtures.logger("audit"))
        let error = try await withDeadline(.seconds(20), "the unreachable server's error") {
            await #expect(throws: PostgresStoreError.self) { try await store.run() }
            do {
                _ = try await store.records(AuditQuery())
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(error.hasPrefix("PostgreSQL at postgres://gatehouse:***@127.0.0.1:\(closed)/nowhere?sslmode=disable: "))
        #expect(!error.contains("s3cret-pw"))
    }

    @Test func aWrongPasswordAndAMissingDatabaseAreNamed() async throws {
        let server = try await PostgresServer.shared()
        let wrong = PostgresAuditStore(
            configuration: try PostgresConfiguration(
                url: "postgres://gatehouse:wrong-pw@127.0.0.1:\(server.port)/postgres?sslmode=disable"),
            logger: TestFixtures.logger("audit"))
        let missing = PostgresAuditStore(
            configuration: try PostgresConfiguration(url: server.url(database: "no_such_database")), logger: TestFixtures.logger("audit"))
        let passwordError = await #expect(throws: PostgresStoreError.self) { try await wrong.run() }
        #expect(passwordError?.code == .connect)
        #expect(passwordError?.reason.contains("password authentication failed for user \"gatehouse\"") == true)
        #expect(passwordError.map { !"\($0)".contains("wrong-pw") } == true)
        let databaseError = await #expect(throws: PostgresStoreError.self) { try await missing.run() }
        #expect(databaseError?.reason.contains("database \"no_such_database\" does not exist") == true)
    }

    @Test func aUnixSocketURLConnects() async throws {
        let server = try await PostgresServer.shared()
        let url = try await server.createDatabase("socket")
        let name = String(url.split(separator: "?")[0].split(separator: "/").last!)
        let configuration = try PostgresConfiguration(url: server.socketURL(database: name))
        #expect(configuration.unixSocketPath == "\(server.socketDirectory)/.s.PGSQL.\(server.port)")
        let store = PostgresAuditStore(configuration: configuration, logger: TestFixtures.logger("audit"))
        try await WorkerFixture.withServices([store]) { () async throws in
            #expect(try await store.append(Self.entries(2)) == 2)
            #expect(try await store.verify().isIntact)
        }
    }
}
