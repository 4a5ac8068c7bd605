public import Foundation
import GRDB
import GatehouseKafka

/// The grant store in SQLite (WAL, `synchronous=FULL`): one table keyed by user, kind and name.
///
/// Its own file (`permissions.sqlite` by default), apart from the audit store: the audit chain is
/// append-only and verified as a whole, while grants are updated when pushed; and two files let the
/// two workers run in different processes without sharing a write lock.
public final class SQLiteGrantStore: GrantStore {
    private let database: DatabaseQueue

    /// Opens (creating if needed) the store at `path`.
    public init(path: String) throws {
        database = try SQLiteFile.open(
            path, sync: .full,
            schema: """
                CREATE TABLE IF NOT EXISTS grants (
                    user_key TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    granted_at REAL NOT NULL,
                    scim_pushed_at REAL,
                    PRIMARY KEY (user_key, kind, name)
                ) WITHOUT ROWID
                """)
    }

    @discardableResult
    public func add(_ grants: [Grant]) async throws -> [Grant] {
        guard !grants.isEmpty else { return [] }
        let database = self.database
        return try await Blocking.run {
            try database.write { db in
                let insert = try db.cachedStatement(
                    sql: "INSERT OR IGNORE INTO grants (user_key, kind, name, event_id, granted_at) VALUES (?, ?, ?, ?, ?)")
                var added: [Grant] = []
                for grant in grants {
                    try insert.execute(arguments: [
                        grant.userKey, grant.kind.rawValue, grant.name, grant.eventID, grant.grantedAt.timeIntervalSince1970,
                    ])
                    if db.changesCount > 0 { added.append(grant) }
                }
                return added
            }
        }
    }

    public func grants(user: String?) async throws -> [Grant] {
        let database = self.database
        return try await Blocking.run {
            try database.read { db in
                let rows =
                    if let user {
                        try Row.fetchAll(
                            db, sql: "SELECT * FROM grants WHERE user_key IN (?, ?) ORDER BY user_key, kind, name",
                            arguments: [user, user.lowercased()])
                    } else {
                        try Row.fetchAll(db, sql: "SELECT * FROM grants ORDER BY user_key, kind, name")
                    }
                return rows.compactMap(Self.grant)
            }
        }
    }

    public func markPushed(_ grant: Grant, at time: Date) async throws {
        let database = self.database
        try await Blocking.run {
            try database.write { db in
                try db.execute(
                    sql: "UPDATE grants SET scim_pushed_at = ? WHERE user_key = ? AND kind = ? AND name = ?",
                    arguments: [time.timeIntervalSince1970, grant.userKey, grant.kind.rawValue, grant.name])
            }
        }
    }

    /// The grant of a row; `nil` for a kind this version does not know (only this store writes rows).
    private static func grant(_ row: Row) -> Grant? {
        guard let kind = Grant.Kind(rawValue: row["kind"]) else { return nil }
        let pushed: Double? = row["scim_pushed_at"]
        return Grant(
            userKey: row["user_key"], kind: kind, name: row["name"], eventID: row["event_id"],
            grantedAt: Date(timeIntervalSince1970: row["granted_at"]), scimPushedAt: pushed.map(Date.init(timeIntervalSince1970:)))
    }
}
