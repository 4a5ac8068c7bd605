import Foundation
import GRDB
import GatehouseKafka
import Synchronization

/// A worker's idempotency records: the ids of the events it has completed, in SQLite.
///
/// The runner records an id after the handler succeeded and before the offset is committed, so a
/// redelivery (after a crash or a rebalance) or a replay of a completed event is passed over. WAL with
/// `synchronous=NORMAL`: a process crash loses nothing; a power cut may lose the last records, which at
/// worst repeats those events, as at-least-once delivery allows.
///
/// Records from lanes that finish at the same time are written together: the first caller writes
/// every id waiting, in one transaction, and the others' calls return with it.
public final class CompletedEvents: Sendable {
    private let database: DatabasePool
    private let group = Mutex(GroupCommit())

    private struct GroupCommit {
        var waiting: [(ids: [String], done: CheckedContinuation<Void, any Error>)] = []
        var writing = false
    }

    /// Opens (creating if needed) the records at `path`.
    public init(path: String) throws {
        database = try SQLiteFile.openPool(
            path, sync: .normal,
            schema: """
                CREATE TABLE IF NOT EXISTS completed (
                    event_id TEXT PRIMARY KEY,
                    completed_at REAL NOT NULL
                ) WITHOUT ROWID
                """)
    }

    /// The ids among `ids` that are completed.
    public func completed(among ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let database = self.database
        return try await Blocking.run {
            try database.read { db in
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                return Set(
                    try String.fetchAll(
                        db, sql: "SELECT event_id FROM completed WHERE event_id IN (\(marks))", arguments: StatementArguments(ids)))
            }
        }
    }

    /// Whether `id` is completed.
    public func contains(_ id: String) async throws -> Bool {
        try await completed(among: [id]).contains(id)
    }

    /// Records `ids` as completed; returns once they are written.
    public func record(_ ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            let writer = group.withLock { group -> Bool in
                group.waiting.append((ids, done))
                defer { group.writing = true }
                return !group.writing
            }
            guard writer else { return }
            // This caller writes what waits, and keeps writing until nothing does; on a Dispatch
            // thread, because SQLite blocks.
            DispatchQueue.global().async { [self] in
                while true {
                    let batch = group.withLock { group -> [(ids: [String], done: CheckedContinuation<Void, any Error>)] in
                        defer { group.waiting.removeAll() }
                        if group.waiting.isEmpty { group.writing = false }
                        return group.waiting
                    }
                    if batch.isEmpty { return }
                    let now = Date().timeIntervalSince1970
                    do {
                        try database.write { db in
                            let statement = try db.cachedStatement(
                                sql: "INSERT OR IGNORE INTO completed (event_id, completed_at) VALUES (?, ?)")
                            for id in batch.flatMap(\.ids) { try statement.execute(arguments: [id, now]) }
                        }
                        for waiter in batch { waiter.done.resume() }
                    } catch {
                        for waiter in batch { waiter.done.resume(throwing: error) }
                    }
                }
            }
        }
    }

    /// Forgets `id`, so that a forced replay handles it again.
    public func forget(_ id: String) async throws {
        let database = self.database
        try await Blocking.run {
            try database.write { db in try db.execute(sql: "DELETE FROM completed WHERE event_id = ?", arguments: [id]) }
        }
    }
}
