import Foundation
import GatehouseSignup
public import Logging
import PostgresNIO
public import ServiceLifecycle

/// The audit store in PostgreSQL: the same hash-chained records as ``SQLiteAuditStore``, with the
/// same hashes, unique on event id, for workers on several machines.
///
/// Appends are serialised by a transaction-scoped advisory lock, so audit workers in any number of
/// processes extend one chain and never fork it; each batch is one multi-row insert. The chain
/// continues from the store's note of its head, so a deleted tail stays a visible gap. Verification
/// reads one snapshot and streams it.
///
/// A `Service`: its pool works while ``run()`` runs, which first creates the tables (and fails at
/// once, naming why, when the server cannot be reached).
///
/// ```swift
/// let store = PostgresAuditStore(configuration: try PostgresConfiguration(url: "postgres://gatehouse@db/gatehouse"), logger: logger)
/// let services: [any Service] = [store, WorkerRunner(worker: AuditWorker(store: store), configuration: workers, topics: admin, logger: logger)]
/// ```
public final class PostgresAuditStore: AuditStore, Service {
    private let pool: PostgresPool
    private let logger: Logger

    /// A store in the database `configuration` names; its tables are created when first needed.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.logger = logger
        pool = PostgresPool(configuration, schema: Self.schema, logger: logger)
    }

    public func run() async throws {
        try await pool.run()
    }

    @discardableResult
    public func append(_ entries: [AuditRecord.Entry]) async throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let logger = self.logger
        let recordedAt = SignupEvent.timestamp(Date())
        return try await pool.withTransaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.chainLock))", logger: logger)
            var head: (sequence: Int64, hash: String)?
            for try await (sequence, hash) in try await connection.query(
                """
                SELECT sequence, hash FROM (
                    SELECT 0 AS rank, sequence, hash FROM audit_head WHERE id = 1
                    UNION ALL (SELECT 1, sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1)
                ) AS heads ORDER BY rank LIMIT 1
                """, logger: logger
            ).decode((Int64, String).self) {
                head = (sequence, hash)
            }
            let ids = entries.map(\.eventID)
            var stored = Set<String>()
            for try await id in try await connection.query(
                "SELECT event_id FROM audit_records WHERE event_id = ANY(\(ids))", logger: logger
            ).decode(String.self) {
                stored.insert(id)
            }
            let records = AuditChain.link(entries, after: head, stored: stored, recordedAt: recordedAt)
            guard let last = records.last else { return 0 }
            try await connection.query(
                """
                INSERT INTO audit_records (sequence, event_id, type, source, subject, time, data, recorded_at, origin, previous_hash, hash)
                SELECT * FROM UNNEST(\(records.map(\.sequence))::int8[], \(records.map(\.eventID))::text[], \(records.map(\.type))::text[],
                    \(records.map(\.source))::text[], \(records.map(\.subject))::text[], \(records.map(\.time))::text[],
                    \(records.map(\.data))::text[], \(records.map(\.recordedAt))::text[], \(records.map(\.origin))::text[],
                    \(records.map(\.previousHash))::text[], \(records.map(\.hash))::text[])
                """,
                logger: logger)
            try await connection.query(
                """
                INSERT INTO audit_head (id, sequence, hash) VALUES (1, \(last.sequence), \(last.hash))
                ON CONFLICT (id) DO UPDATE SET sequence = EXCLUDED.sequence, hash = EXCLUDED.hash
                """,
                logger: logger)
            return records.count
        }
    }

    public func records(_ query: AuditQuery) async throws -> [AuditRecord] {
        let logger = self.logger
        let conditions = query.conditions
        var bindings = PostgresBindings(capacity: conditions.count + 1)
        var filters: [String] = []
        for (index, condition) in conditions.enumerated() {
            filters.append("\(condition.column) \(condition.operator) $\(index + 1)")
            bindings.append(condition.value)
        }
        bindings.append(query.limit)
        let filter = filters.isEmpty ? "" : "WHERE " + filters.joined(separator: " AND ")
        let sql = "SELECT \(Self.columns) FROM audit_records \(filter) ORDER BY sequence LIMIT $\(conditions.count + 1)"
        return try await pool.withConnection { connection in
            var records: [AuditRecord] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
                records.append(try Self.record(row))
            }
            return records
        }
    }

    public func verify() async throws -> AuditVerification {
        let logger = self.logger
        return try await pool.withTransaction { connection in
            // One snapshot for the records and the head, so that appends meanwhile are not problems.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var head: (sequence: Int64, hash: String)?
            for try await (sequence, hash) in try await connection.query(
                "SELECT sequence, hash FROM audit_head WHERE id = 1", logger: logger
            ).decode((Int64, String).self) {
                head = (sequence, hash)
            }
            var verifier = AuditChain.Verifier()
            for try await row in try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT \(Self.columns) FROM audit_records ORDER BY sequence"), logger: logger)
            {
                verifier.check(try Self.record(row))
            }
            return verifier.finish(head: head)
        }
    }

    private static let columns = "sequence, event_id, type, source, subject, time, data, recorded_at, origin, previous_hash, hash"

    private static func record(_ row: PostgresRow) throws -> AuditRecord {
        let (sequence, eventID, type, source, subject, time, data, recordedAt, origin, previousHash, hash) = try row.decode(
            (Int64, String, String, String, String, String, String, String, String, String, String).self)
        return AuditRecord(
            sequence: sequence, eventID: eventID, type: type, source: source, subject: subject, time: time, data: data,
            recordedAt: recordedAt, origin: origin, previousHash: previousHash, hash: hash)
    }

    /// The advisory lock every append takes: "gateaudi" in ASCII.
    private static let chainLock: Int64 = 0x6761_7465_6175_6469

    /// The tables, as in SQLite. Text in the "C" collation compares byte by byte, as SQLite does, so
    /// that RFC 3339 times order as times.
    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS audit_records (
            sequence BIGINT PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            source TEXT NOT NULL,
            subject TEXT COLLATE "C" NOT NULL,
            time TEXT COLLATE "C" NOT NULL,
            data TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT '',
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS audit_records_subject ON audit_records (subject)",
        "CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (time)",
        """
        CREATE TABLE IF NOT EXISTS audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            sequence BIGINT NOT NULL,
            hash TEXT NOT NULL
        )
        """,
    ]
}
