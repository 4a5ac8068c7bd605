import Foundation
import GRDB

/// Opens the workers' SQLite files one way: the folder created if missing, WAL, the given sync level,
/// and the schema created if missing.
enum SQLiteFile {
    /// How much a commit waits for the disk.
    enum Sync: String {
        /// Every commit is on disk before it returns: stores of record (audit, grants).
        case full = "FULL"
        /// A power cut may lose the last commits, a process crash loses nothing: records whose loss
        /// only repeats work (idempotency records).
        case normal = "NORMAL"
    }

    /// Opens (creating if needed) the database at `path` and runs `schema` in a write transaction.
    static func open(_ path: String, sync: Sync, schema: String) throws -> DatabaseQueue {
        try prepare(path, sync: sync, schema: schema) { try DatabaseQueue(path: $0, configuration: $1) }
    }

    /// ``open(_:sync:schema:)`` as a pool: reads run beside a write instead of queueing behind it.
    static func openPool(_ path: String, sync: Sync, schema: String) throws -> DatabasePool {
        try prepare(path, sync: sync, schema: schema) { try DatabasePool(path: $0, configuration: $1) }
    }

    private static func prepare<Writer: DatabaseWriter>(
        _ path: String, sync: Sync, schema: String, _ open: (String, Configuration) throws -> Writer
    ) throws -> Writer {
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = \(sync.rawValue)")
        }
        let database = try open(path, configuration)
        try database.write { try $0.execute(sql: schema) }
        return database
    }
}
