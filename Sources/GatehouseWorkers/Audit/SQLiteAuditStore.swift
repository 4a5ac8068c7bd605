import Foundation
import GRDB
import GatehouseKafka
import GatehouseSignup

/// The audit store in SQLite (WAL, `synchronous=FULL`): one table of hash-chained records, unique on
/// event id, and a one-row note of the chain's head.
public final class SQLiteAuditStore: AuditStore {
    private let database: DatabaseQueue

    /// Opens (creating if needed) the store at `path`.
    public init(path: String) throws {
        database = try SQLiteFile.open(
            path, sync: .full,
            schema: """
                CREATE TABLE IF NOT EXISTS audit_records (
                    sequence INTEGER PRIMARY KEY,
                    event_id TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    source TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    time TEXT NOT NULL,
                    data TEXT NOT NULL,
                    recorded_at TEXT NOT NULL,
                    origin TEXT NOT NULL DEFAULT '',
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS audit_records_subject ON audit_records (subject);
                CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (time);
                CREATE TABLE IF NOT EXISTS audit_head (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    sequence INTEGER NOT NULL,
                    hash TEXT NOT NULL
                );
                """)
    }

    @discardableResult
    public func append(_ entries: [AuditRecord.Entry]) async throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let database = self.database
        let recordedAt = SignupEvent.timestamp(Date())
        return try await Blocking.run {
            try database.write { db in
                let head = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1").map {
                    (sequence: $0["sequence"] as Int64, hash: $0["hash"] as String)
                }
                // Which of these are stored already, asked once for the batch.
                let marks = Array(repeating: "?", count: entries.count).joined(separator: ",")
                let stored = Set(
                    try String.fetchAll(
                        db, sql: "SELECT event_id FROM audit_records WHERE event_id IN (\(marks))",
                        arguments: StatementArguments(entries.map(\.eventID))))
                let records = AuditChain.link(entries, after: head, stored: stored, recordedAt: recordedAt)
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT INTO audit_records (sequence, event_id, type, source, subject, time, data, recorded_at, origin, previous_hash, hash)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                )
                for record in records {
                    try insert.execute(arguments: [
                        record.sequence, record.eventID, record.type, record.source, record.subject, record.time, record.data,
                        record.recordedAt, record.origin, record.previousHash, record.hash,
                    ])
                }
                if let last = records.last {
                    try db.execute(
                        sql:
                            "INSERT INTO audit_head (id, sequence, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash",
                        arguments: [last.sequence, last.hash]
                    )
                }
                return records.count
            }
        }
    }

    public func records(_ query: AuditQuery) async throws -> [AuditRecord] {
        let database = self.database
        return try await Blocking.run {
            try database.read { db in
                let conditions = query.conditions
                var arguments: [any DatabaseValueConvertible] = conditions.map(\.value)
                let filter =
                    conditions.isEmpty ? "" : "WHERE " + conditions.map { "\($0.column) \($0.operator) ?" }.joined(separator: " AND ")
                arguments.append(query.limit)
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM audit_records \(filter) ORDER BY sequence LIMIT ?", arguments: StatementArguments(arguments)
                ).map(Self.record)
            }
        }
    }

    public func verify() async throws -> AuditVerification {
        let database = self.database
        return try await Blocking.run {
            try database.read { db in
                let head = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM audit_head WHERE id = 1").map {
                    (sequence: $0["sequence"] as Int64, hash: $0["hash"] as String)
                }
                let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM audit_records ORDER BY sequence")
                var records: [AuditRecord] = []
                while let row = try cursor.next() { records.append(Self.record(row)) }
                return AuditChain.verify(records, head: head)
            }
        }
    }

    private static func record(_ row: Row) -> AuditRecord {
        AuditRecord(
            sequence: row["sequence"], eventID: row["event_id"], type: row["type"], source: row["source"], subject: row["subject"],
            time: row["time"], data: row["data"], recordedAt: row["recorded_at"], origin: row["origin"], previousHash: row["previous_hash"],
            hash: row["hash"]
        )
    }
}
