public import Foundation
import GRDB
import GatehouseKafka
public import Logging
import Metrics
import Synchronization

/// The local outbox: a SQLite database in WAL mode where each sign-up event is written and fsync'd
/// before its answer leaves, and from which ``OutboxPublisher`` drains events to Kafka in order.
///
/// Appends are group-committed: a writer thread takes every append waiting, writes them in one
/// transaction and syncs once, then releases all their callers. Under load one fsync covers many
/// answers; alone, an append costs one fsync.
///
/// What has been published is one watermark (every record up to it is published), written with the
/// group commits; acknowledgements past a gap wait in memory until it closes. Records are never
/// rewritten after their append.
///
/// What was just committed is also kept in memory for the publisher (up to
/// ``OutboxConfiguration/memoryTail`` records), so that in the steady state it never reads back what was
/// just written; it reads SQLite after a restart, after a failed publication, or when it falls behind.
public final class SQLiteOutbox: Sendable {
    private struct Pending {
        var record: OutboxRecord
        var continuation: CheckedContinuation<Int64, any Error>
    }

    private struct State {
        var appends: [Pending] = []
        var published: [Int64] = []
        var stopping = false
        var unpublished = 0
        var oldestUnpublished: Date?
        var lastPrune = Date()
        /// Committed records the publisher has not been handed yet, by ascending sequence.
        var tail: [OutboxRecord] = []
        /// Every unpublished record from this sequence on is in ``tail`` or was handed out from it. A
        /// record that finds the tail full moves this past itself, and the publisher reads it from SQLite.
        var tailFrom: Int64 = .max
        /// The highest sequence handed out from the tail. A publisher that goes back before it (to send
        /// a refused record again) reads from SQLite.
        var tailPassed: Int64 = 0
        /// Whether the connection is at `synchronous=FULL` (it opens so), for the writer to switch only
        /// when a commit needs the other level.
        var fullSync = true
        /// Every record up to this sequence is published: the durable progress, one row in
        /// `outbox_progress`.
        var publishedThrough: Int64 = 0
        /// The value of ``publishedThrough`` last written to SQLite.
        var persistedThrough: Int64 = 0
        /// Records past ``publishedThrough`` already acknowledged, out of order (a refused record is
        /// sent again after those behind it). Kept in memory only: after a crash they are published
        /// again, with their event ids.
        var publishedAbove: Set<Int64> = []
    }

    private let database: DatabaseQueue
    private let configuration: OutboxConfiguration
    private let logger: Logger
    private let state = Mutex(State())
    private let wakeUp = NSCondition()
    private let finished = DispatchSemaphore(value: 0)
    private let appendsCounter = Counter(label: "gatehouse_outbox_appended_total")
    private let refusedCounter = Counter(label: "gatehouse_outbox_refused_total")
    private let depthGauge = Gauge(label: "gatehouse_outbox_depth")
    /// `max_records`, for alerting on how full the outbox is.
    private let capacityGauge = Gauge(label: "gatehouse_outbox_capacity_records")
    private let commitTimer = Timer(label: "gatehouse_outbox_commit_seconds")
    private let newRecords: AsyncStream<Void>.Continuation
    /// Yields whenever records were committed, for the publisher to wake on.
    let committed: AsyncStream<Void>

    /// Opens (or creates) the outbox at `configuration.path`.
    ///
    /// - Throws: when the file cannot be opened or migrated; the error names the path.
    public init(configuration: OutboxConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        capacityGauge.record(configuration.maxRecords)
        var databaseConfiguration = Configuration()
        databaseConfiguration.prepareDatabase { db in
            // 16 KiB pages for a new file (an existing one keeps its size): a record is about 2.2 KiB, so
            // a 4 KiB page held one, and each group commit wrote a WAL frame, in two `pwrite`s, for every
            // record. With 16 KiB pages a commit writes a frame per seven records, and the outbox
            // thread spent a fifth less CPU per request (bench/gateway.sh, local: +8% requests/s).
            try db.execute(sql: "PRAGMA page_size = 16384")
            // WAL with synchronous=FULL: every commit is on disk before it returns.
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            database = try DatabaseQueue(path: configuration.path, configuration: databaseConfiguration)
            try database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS outbox (
                            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                            event_id TEXT NOT NULL,
                            fingerprint TEXT,
                            response_status INTEGER NOT NULL,
                            response_body BLOB NOT NULL,
                            topic TEXT NOT NULL,
                            record_key BLOB,
                            record_value BLOB,
                            headers BLOB NOT NULL,
                            created_at REAL NOT NULL,
                            published INTEGER NOT NULL DEFAULT 0
                        );
                        CREATE TABLE IF NOT EXISTS outbox_progress (
                            id INTEGER PRIMARY KEY CHECK (id = 1),
                            published_through INTEGER NOT NULL
                        );
                        DROP INDEX IF EXISTS outbox_fingerprint;
                        """
                )
                // Progress is one watermark, not a flag per record: marking a record published used to
                // rewrite its page (and an index entry) into the WAL a second time. A file from before
                // gets the watermark below its first unpublished record; the `published` column stays,
                // unused, so that such files open unchanged.
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbox_progress)") != true {
                    try db.execute(
                        sql: """
                            INSERT INTO outbox_progress (id, published_through) VALUES (1, COALESCE(
                                (SELECT MIN(sequence) FROM outbox WHERE published = 0) - 1, (SELECT MAX(sequence) FROM outbox), 0))
                            """)
                }
                try db.execute(sql: "DROP INDEX IF EXISTS outbox_unpublished")
            }
        } catch {
            throw OutboxUnavailable(reason: "cannot open the outbox at \(configuration.path): \(error)", isFull: false)
        }
        (committed, newRecords) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (through, count, oldest, newest) = try database.read { db -> (Int64, Int, Double?, Int64?) in
            let through = try Int64.fetchOne(db, sql: "SELECT published_through FROM outbox_progress WHERE id = 1") ?? 0
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE sequence > ?", arguments: [through]) ?? 0
            let oldest = try Double.fetchOne(
                db, sql: "SELECT created_at FROM outbox WHERE sequence > ? ORDER BY sequence LIMIT 1", arguments: [through])
            let newest = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM outbox WHERE sequence > ?", arguments: [through])
            return (through, count, oldest, newest)
        }
        state.withLock { state in
            state.publishedThrough = through
            state.persistedThrough = through
            // What is unpublished from an earlier run is read from SQLite; everything after it from memory.
            state.tailFrom = (newest ?? 0) + 1
            state.unpublished = count
            state.oldestUnpublished = oldest.map(Date.init(timeIntervalSince1970:))
        }
        depthGauge.record(count)
        _ = DedicatedThread.start(name: "gh-outbox") { [self] in writeLoop() }
    }

    /// Writes a record durably and returns its sequence number once it is fsync'd.
    ///
    /// - Throws: ``OutboxUnavailable`` when the outbox is over its size or the disk refuses the write.
    public func append(_ record: OutboxRecord) async throws -> Int64 {
        try await withCheckedThrowingContinuation { continuation in
            let refusal: OutboxUnavailable? = state.withLock { state in
                if state.stopping { return OutboxUnavailable(reason: "the outbox is closed", isFull: false) }
                if state.unpublished + state.appends.count >= configuration.maxRecords {
                    return OutboxUnavailable(reason: "over its size of \(configuration.maxRecords) unpublished records", isFull: true)
                }
                state.appends.append(Pending(record: record, continuation: continuation))
                return nil
            }
            if let refusal {
                refusedCounter.increment()
                continuation.resume(throwing: refusal)
                return
            }
            wakeWriter()
        }
    }

    /// Wakes the publisher, for example so that it notices a shutdown.
    func wakePublisher() {
        newRecords.yield()
    }

    /// Notes records as published; written with the next group commit of appends, or on their own
    /// once ``marksPerCommit`` wait or the oldest has waited ``marksDelay``.
    ///
    /// Marks need no prompt write: a lost mark only means the record is published again with its event
    /// id. Waking the writer for every acknowledged batch cost a thread switch and a transaction per
    /// publisher round, which on a busy gateway was one more wake-up for every few requests.
    func markPublished(_ sequences: [Int64]) {
        guard !sequences.isEmpty else { return }
        let wake = state.withLock { state in
            let first = state.published.isEmpty
            state.published.append(contentsOf: sequences)
            // The first marks wake the writer to start their delay; enough marks end it early.
            return first || state.published.count >= Self.marksPerCommit
        }
        if wake { wakeWriter() }
    }

    /// How many published marks make the writer commit them without waiting for an append.
    static let marksPerCommit = 1024
    /// How long a published mark waits at most for an append's commit to carry it.
    static let marksDelay: TimeInterval = 0.5

    /// Unpublished records after `sequence`, oldest first, read on a Dispatch thread: SQLite blocks
    /// while the writer syncs, and a blocked thread of the cooperative pool would stall request handling.
    ///
    /// Served from memory when the records just committed follow `sequence` without a gap.
    func unpublished(after sequence: Int64, limit: Int) async throws -> [OutboxRecord] {
        if let records = state.withLock({ Self.takeFromTail(&$0, after: sequence, limit: limit) }) { return records }
        return try await Blocking.run { [self] in try readUnpublished(after: sequence, limit: limit) }
    }

    /// The records after `sequence` from memory, up to `limit`, or `nil` when memory may not hold all of
    /// them. Forgets what the publisher has passed.
    private static func takeFromTail(_ state: inout State, after sequence: Int64, limit: Int) -> [OutboxRecord]? {
        guard sequence >= state.tailPassed, sequence + 1 >= state.tailFrom else { return nil }
        let passed = state.tail.prefix { $0.sequence <= sequence }.count
        state.tail.removeFirst(passed)
        state.tailPassed = sequence
        let records = Array(state.tail.prefix(limit))
        if let last = records.last { state.tailPassed = last.sequence }
        return records
    }

    private func readUnpublished(after sequence: Int64, limit: Int) throws -> [OutboxRecord] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT sequence, event_id, fingerprint, response_status, response_body, topic, record_key, record_value,
                           headers, created_at
                    FROM outbox WHERE sequence > ? ORDER BY sequence LIMIT ?
                    """,
                arguments: [max(sequence, state.withLock { $0.publishedThrough }), limit]
            ).map(Self.record)
        }
    }

    /// Records received since `date` that carry a fingerprint: the answers an identity-provider retry
    /// should get again.
    public func recentAnswers(since date: Date) throws -> [OutboxRecord] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT sequence, event_id, fingerprint, response_status, response_body, topic, record_key, record_value,
                           headers, created_at
                    FROM outbox WHERE fingerprint IS NOT NULL AND created_at >= ? ORDER BY sequence
                    """,
                arguments: [date.timeIntervalSince1970]
            ).map(Self.record)
        }
    }

    /// How many records wait to be published, and how old the oldest is.
    public var backlog: (count: Int, oldestAge: Duration?) {
        state.withLock { state in
            (state.unpublished, state.oldestUnpublished.map { .seconds(Date().timeIntervalSince($0)) })
        }
    }

    /// Stops the writer after it has written everything already appended.
    public func close() async {
        let thread = state.withLock { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard thread else { return }
        wakeWriter()
        let finished = self.finished
        await Blocking.run { finished.wait() }
        newRecords.finish()
    }

    /// Signals the writer thread. Synchronous on purpose: the condition's lock is held for an instant.
    private func wakeWriter() {
        wakeUp.lock()
        wakeUp.signal()
        wakeUp.unlock()
    }

    private func writeLoop() {
        while true {
            wakeUp.lock()
            var marksDeadline: Date?
            while true {
                let (appends, marks, stopping) = state.withLock { ($0.appends.count, $0.published.count, $0.stopping) }
                if appends > 0 || stopping || marks >= Self.marksPerCommit { break }
                if marks == 0 {
                    wakeUp.wait()
                    continue
                }
                let deadline = marksDeadline ?? Date().addingTimeInterval(Self.marksDelay)
                marksDeadline = deadline
                // Timed out: the marks have waited long enough for an append to carry them.
                if !wakeUp.wait(until: deadline) { break }
            }
            wakeUp.unlock()
            let (batch, published, stopping) = state.withLock { state in
                let batch = Array(state.appends.prefix(configuration.maxBatch))
                state.appends.removeFirst(batch.count)
                defer { state.published.removeAll() }
                return (batch, state.published, state.stopping && state.appends.isEmpty)
            }
            if !batch.isEmpty || !published.isEmpty {
                commit(batch, published: published)
            }
            if stopping && state.withLock({ $0.appends.isEmpty && $0.published.isEmpty }) { break }
        }
        finished.signal()
    }

    private func commit(_ batch: [Pending], published: [Int64]) {
        let started = ContinuousClock.now
        let prune = state.withLock { state -> Bool in
            guard Date().timeIntervalSince(state.lastPrune) > 30 else { return false }
            state.lastPrune = Date()
            return true
        }
        // A commit of published marks alone need not reach the disk at once: a lost mark only means the
        // record is published again with its event id. The next append's fsync of the WAL covers it.
        // Appends are only written with synchronous=FULL back in force.
        let marksOnly = batch.isEmpty
        // Marks move the watermark across every contiguous published record; those past a gap wait in
        // memory. Only marks not seen before count off the backlog.
        let (through, advanced, newlyMarked) = state.withLock { state -> (Int64, Bool, Int) in
            var newly = 0
            for sequence in published where sequence > state.publishedThrough {
                if state.publishedAbove.insert(sequence).inserted { newly += 1 }
            }
            while state.publishedAbove.remove(state.publishedThrough + 1) != nil { state.publishedThrough += 1 }
            return (state.publishedThrough, state.publishedThrough != state.persistedThrough, newly)
        }
        do {
            if state.withLock({ $0.fullSync }) == marksOnly {
                try database.writeWithoutTransaction { db in
                    try db.execute(sql: marksOnly ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL")
                }
                state.withLock { $0.fullSync = !marksOnly }
            }
            let sequences = try database.write { db -> [Int64] in
                var sequences: [Int64] = []
                sequences.reserveCapacity(batch.count)
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT INTO outbox (event_id, fingerprint, response_status, response_body, topic, record_key,
                                            record_value, headers, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                )
                for pending in batch {
                    let record = pending.record
                    try insert.execute(arguments: [
                        record.eventID, record.fingerprint, record.responseStatus, Data(record.responseBody),
                        record.message.topic, record.message.key.map { Data($0) }, record.message.value.map { Data($0) },
                        Self.encodeHeaders(record.message.headers), record.createdAt.timeIntervalSince1970,
                    ])
                    sequences.append(db.lastInsertedRowID)
                }
                if advanced {
                    try db.cachedStatement(sql: "UPDATE outbox_progress SET published_through = ? WHERE id = 1")
                        .execute(arguments: [through])
                }
                if prune {
                    let cutoff = Date().addingTimeInterval(-Double(configuration.retention.components.seconds))
                    try db.execute(
                        sql: "DELETE FROM outbox WHERE sequence <= ? AND created_at < ?",
                        arguments: [through, cutoff.timeIntervalSince1970])
                }
                return sequences
            }
            commitTimer.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
            appendsCounter.increment(by: batch.count)
            let depth = state.withLock { state in
                for (pending, sequence) in zip(batch, sequences) {
                    guard state.tail.count < configuration.memoryTail else {
                        state.tailFrom = max(state.tailFrom, sequence + 1)
                        continue
                    }
                    var record = pending.record
                    record.sequence = sequence
                    state.tail.append(record)
                }
                if advanced { state.persistedThrough = through }
                state.unpublished += batch.count - newlyMarked
                if state.unpublished <= 0 {
                    state.unpublished = 0
                    state.oldestUnpublished = nil
                } else if state.oldestUnpublished == nil {
                    state.oldestUnpublished = batch.first?.record.createdAt
                }
                return state.unpublished
            }
            depthGauge.record(depth)
            for (pending, sequence) in zip(batch, sequences) { pending.continuation.resume(returning: sequence) }
            if !batch.isEmpty { newRecords.yield() }
        } catch {
            refusedCounter.increment(by: batch.count)
            logger.critical("The outbox cannot write: \(error)", metadata: ["outbox.path": "\(configuration.path)"])
            let refusal = OutboxUnavailable(reason: "the disk refused the write: \(error)", isFull: false)
            for pending in batch { pending.continuation.resume(throwing: refusal) }
            // The marks stay in memory and the watermark is written with the next commit that succeeds.
            state.withLock { $0.unpublished = max(0, $0.unpublished - newlyMarked) }
        }
    }

    private static func record(_ row: Row) -> OutboxRecord {
        let headers = decodeHeaders(row["headers"] ?? Data())
        let key: Data? = row["record_key"]
        let value: Data? = row["record_value"]
        let body: Data = row["response_body"] ?? Data()
        var record = OutboxRecord(
            eventID: row["event_id"],
            fingerprint: row["fingerprint"],
            responseStatus: row["response_status"],
            responseBody: Array(body),
            message: KafkaProducerMessage(
                topic: row["topic"],
                key: key.map(Array.init),
                value: value.map(Array.init),
                headers: headers
            ),
            createdAt: Date(timeIntervalSince1970: row["created_at"])
        )
        record.sequence = row["sequence"]
        return record
    }

    /// Headers as length-prefixed bytes (a 32-bit big-endian length before each name and value, and
    /// `0xFFFFFFFF` for a header without a value): binary-safe, and far cheaper than JSON on the
    /// request path.
    static func encodeHeaders(_ headers: [KafkaHeader]) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headers.count * 48)
        func append(_ field: [UInt8]?) {
            let length = field.map { UInt32($0.count) } ?? UInt32.max
            withUnsafeBytes(of: length.bigEndian) { bytes.append(contentsOf: $0) }
            if let field { bytes.append(contentsOf: field) }
        }
        for header in headers {
            append(Array(header.key.utf8))
            append(header.value)
        }
        return Data(bytes)
    }

    static func decodeHeaders(_ data: Data) -> [KafkaHeader] {
        let bytes = [UInt8](data)
        var index = 0
        func field() -> [UInt8]?? {
            guard index + 4 <= bytes.count else { return nil }
            let length = bytes[index..<index + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            index += 4
            if length == UInt32.max { return .some(nil) }
            guard index + Int(length) <= bytes.count else { return nil }
            defer { index += Int(length) }
            return .some(Array(bytes[index..<index + Int(length)]))
        }
        var headers: [KafkaHeader] = []
        while index < bytes.count, let name = field(), let key = name, let value = field() {
            headers.append(KafkaHeader(key: String(decoding: key, as: UTF8.self), value: value))
        }
        return headers
    }
}
