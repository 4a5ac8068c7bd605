import Foundation
import GRDB
import GatehouseKafka
import GatehouseTestSupport
import ServiceLifecycle
import Synchronization
import Testing

@testable import GatehouseOutbox

@Suite struct OutboxTests {
    /// The publisher takes just-committed records from memory and everything else from SQLite: records
    /// that were there before it started, and those that found the memory tail full. Either way each
    /// record reaches Kafka once, in the order it was appended.
    @Test(arguments: [0, 3, 8_192])
    func thePublisherDrainsEveryRecordInOrderFromMemoryOrSQLite(memoryTail: Int) async throws {
        let topic = TestFixtures.unique("outbox")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            var configuration = try Self.configuration()
            defer { Self.remove(configuration) }
            configuration.memoryTail = memoryTail
            let outbox = try SQLiteOutbox(configuration: configuration, logger: TestFixtures.logger("outbox"))
            func append(_ index: Int) async throws { _ = try await outbox.append(Self.record(index, topic: topic)) }
            // Some records wait in SQLite before the publisher starts; the rest arrive while it runs.
            for index in 0..<20 { try await append(index) }
            #expect(TestFixtures.threadNames().contains("gh-outbox"))
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            let publisher = OutboxPublisher(outbox: outbox, producer: producer, logger: TestFixtures.logger("publisher"), batchSize: 7)
            let running = Task { try await publisher.run() }
            for index in 20..<200 { try await append(index) }
            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: 200, limit: .seconds(60))
            // The last acknowledgements are marked without another append to carry them.
            try await waitUntil("every record marked published", limit: .seconds(10)) { outbox.backlog.count == 0 }
            running.cancel()
            _ = try? await running.value
            await outbox.close()
            #expect(messages.map { String(decoding: $0.value ?? [], as: UTF8.self) } == (0..<200).map(String.init))
        }
    }

    /// Rounds of concurrent appends share group commits, a lone append after them still completes, and
    /// every record is on disk with its own sequence.
    @Test func concurrentAppendsShareCommitsAndALoneAppendStillCompletes() async throws {
        let configuration = try Self.configuration()
        defer { Self.remove(configuration) }
        let outbox = try SQLiteOutbox(configuration: configuration, logger: TestFixtures.logger("outbox"))
        @Sendable func append(_ index: Int) async throws -> Int64 { try await outbox.append(Self.record(index)) }
        var sequences: [Int64] = []
        for round in 0..<3 {
            sequences += try await withDeadline(.seconds(30), "round \(round) of concurrent appends") {
                try await withThrowingTaskGroup(of: Int64.self) { group in
                    for index in 0..<16 { group.addTask { try await append(round * 16 + index) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
        }
        sequences.append(try await withDeadline(.seconds(30), "a lone append after the rounds") { try await append(48) })
        #expect(Set(sequences).count == 49)
        #expect(outbox.backlog.count == 49)
        await outbox.close()

        let reopened = try SQLiteOutbox(configuration: configuration, logger: TestFixtures.logger("outbox"))
        #expect(reopened.backlog.count == 49)
        await reopened.close()
    }

    /// A graceful shutdown with the broker down must not wait for acknowledgements forever: once none
    /// has come for the stall timeout the publisher stops, the producer purges what it holds, and every
    /// record is still in the outbox for the next start.
    @Test func shutdownWithTheBrokerDownStopsAndKeepsEveryRecord() async throws {
        let topic = TestFixtures.unique("outbox-down")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            let configuration = try Self.configuration()
            defer { Self.remove(configuration) }
            let outbox = try SQLiteOutbox(configuration: configuration, logger: TestFixtures.logger("outbox"))
            var producerConfiguration = TestFixtures.producerConfiguration(cluster)
            // As the gateway's local durability sets it: never give up on a record.
            producerConfiguration.messageTimeout = .zero
            producerConfiguration.shutdownTimeout = .seconds(1)
            let producer = try KafkaProducer(configuration: producerConfiguration, logger: TestFixtures.logger("producer"))
            let publisher = OutboxPublisher(
                outbox: outbox, producer: producer, logger: TestFixtures.logger("publisher"), batchSize: 5, maxInFlight: 4,
                shutdownStallTimeout: .milliseconds(500))
            cluster.setBrokerDown()
            defer { cluster.setBrokerUp() }
            for index in 0..<20 { _ = try await outbox.append(Self.record(index, topic: topic)) }
            let group = ServiceGroup(services: [producer, publisher], logger: TestFixtures.logger("services"))
            let stopped = StoppedFlag()
            let running = Task {
                try await group.run()
                stopped.set()
            }
            await group.triggerGracefulShutdown()
            // Polled rather than awaited: a publisher that never stops must fail the test, not hang it.
            try await waitUntil("the publisher and the producer to stop", limit: .seconds(30)) { stopped.isSet }
            try await running.value
            #expect(outbox.backlog.count == 20)
            await outbox.close()
            let reopened = try SQLiteOutbox(configuration: configuration, logger: TestFixtures.logger("outbox"))
            #expect(reopened.backlog.count == 20)
            await reopened.close()
        }
    }

    /// An outbox file in a folder of its own.
    /// A new outbox is made with 16 KiB pages. A file made before, with SQLite's 4 KiB, keeps its page
    /// size (SQLite cannot change it in WAL mode) and its records, and takes appends as before.
    @Test func aNewOutboxHasLargePagesAndAnOlderFileKeepsItsOwn() async throws {
        let fresh = try Self.configuration()
        defer { Self.remove(fresh) }
        let outbox = try SQLiteOutbox(configuration: fresh, logger: TestFixtures.logger("outbox"))
        _ = try await outbox.append(Self.record(0))
        await outbox.close()
        #expect(try Self.pageSize(fresh) == 16_384)

        let older = try Self.configuration()
        defer { Self.remove(older) }
        let smallPages = try Self.pageSize(older, creatingWith: 4_096)
        #expect(smallPages == 4_096)
        let first = try SQLiteOutbox(configuration: older, logger: TestFixtures.logger("outbox"))
        _ = try await first.append(Self.record(1))
        await first.close()
        let reopened = try SQLiteOutbox(configuration: older, logger: TestFixtures.logger("outbox"))
        let second = try await reopened.append(Self.record(2))
        #expect(reopened.backlog.count == 2)
        await reopened.close()
        #expect(second == 2)
        #expect(try Self.pageSize(older) == 4_096)
    }

    /// The page size of the SQLite file at `configuration.path`; with `creatingWith`, the file is first
    /// created (empty, in WAL mode) with that page size.
    private static func pageSize(_ configuration: OutboxConfiguration, creatingWith size: Int? = nil) throws -> Int? {
        let database = try DatabaseQueue(path: configuration.path)
        if let size {
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA page_size = \(size)")
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS placeholder (id INTEGER PRIMARY KEY)")
            }
        }
        return try database.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") }
    }

    private static func configuration() throws -> OutboxConfiguration {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("outbox"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return OutboxConfiguration(path: folder.appendingPathComponent("outbox.sqlite").path)
    }

    private static func remove(_ configuration: OutboxConfiguration) {
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: configuration.path).deletingLastPathComponent())
    }

    private static func record(_ index: Int, topic: String = "t") -> OutboxRecord {
        let message = KafkaProducerMessage(topic: topic, key: Array("user-\(index)".utf8), value: Array("\(index)".utf8))
        return OutboxRecord(
            eventID: "event-\(index)", fingerprint: nil, responseStatus: 200, responseBody: [], message: message, createdAt: Date())
    }

    /// Progress is a watermark: marks past a gap wait in memory, the watermark moves once the gap is
    /// published, and a reopened outbox starts after the watermark (records published past a gap go
    /// out again, with their event ids).
    @Test func marksMoveTheWatermarkAcrossContiguousRecordsOnly() async throws {
        let configuration = try Self.configuration()
        defer { Self.remove(configuration) }
        let outbox = try SQLiteOutbox(configuration: configuration, logger: TestFixtures.logger("outbox"))
        var sequences: [Int64] = []
        for index in 1...5 { sequences.append(try await outbox.append(Self.record(index))) }
        #expect(sequences == [1, 2, 3, 4, 5])
        outbox.markPublished([2, 4])
        try await waitUntil("marks 2 and 4 counted", limit: .seconds(10)) { outbox.backlog.count == 3 }
        outbox.markPublished([1, 2])
        try await waitUntil("mark 1 counted", limit: .seconds(10)) { outbox.backlog.count == 2 }
        await outbox.close()

        let reopened = try SQLiteOutbox(configuration: configuration, logger: TestFixtures.logger("outbox"))
        #expect(reopened.backlog.count == 3)
        #expect(try await reopened.unpublished(after: 0, limit: 10).map(\.sequence) == [3, 4, 5])
        reopened.markPublished([3, 4, 5])
        try await waitUntil("every record marked", limit: .seconds(10)) { reopened.backlog.count == 0 }
        await reopened.close()
        let again = try SQLiteOutbox(configuration: configuration, logger: TestFixtures.logger("outbox"))
        #expect(again.backlog.count == 0)
        #expect(try await again.unpublished(after: 0, limit: 10).isEmpty)
        #expect(try await again.append(Self.record(6)) == 6)
        await again.close()
    }

    /// A file written before the watermark (a `published` flag per record) opens with the watermark
    /// below its first unpublished record.
    @Test func aFileWithPublishedFlagsGetsItsWatermarkFromThem() async throws {
        let configuration = try Self.configuration()
        defer { Self.remove(configuration) }
        let outbox = try SQLiteOutbox(configuration: configuration, logger: TestFixtures.logger("outbox"))
        for index in 1...5 { _ = try await outbox.append(Self.record(index)) }
        await outbox.close()
        // Make it look like the earlier format: flags, an index, no progress table.
        let database = try DatabaseQueue(path: configuration.path)
        try await database.write { db in
            try db.execute(sql: "DROP TABLE outbox_progress")
            try db.execute(sql: "UPDATE outbox SET published = 1 WHERE sequence IN (1, 2, 4)")
            try db.execute(sql: "CREATE INDEX outbox_unpublished ON outbox (published, sequence)")
        }
        try database.close()

        let reopened = try SQLiteOutbox(configuration: configuration, logger: TestFixtures.logger("outbox"))
        #expect(reopened.backlog.count == 3)
        #expect(try await reopened.unpublished(after: 0, limit: 10).map(\.sequence) == [3, 4, 5])
        await reopened.close()
    }
}

/// Set once, read from any task.
private final class StoppedFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
