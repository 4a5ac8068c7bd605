public import Foundation
public import Logging
import PostgresNIO
public import ServiceLifecycle

/// The grant store in PostgreSQL: one table keyed by user, kind and name, as in ``SQLiteGrantStore``.
///
/// A batch of grants is one multi-row insert that keeps the rows already there
/// (`ON CONFLICT DO NOTHING`) and returns the new ones, so permissions workers in several processes
/// grant each thing once. The table can share a database with the audit store.
///
/// A `Service`: its pool works while ``run()`` runs, which first creates the table (and fails at
/// once, naming why, when the server cannot be reached).
public final class PostgresGrantStore: GrantStore, Service {
    private let pool: PostgresPool
    private let logger: Logger

    /// A store in the database `configuration` names; its table is created when first needed.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.logger = logger
        pool = PostgresPool(configuration, schema: Self.schema, logger: logger)
    }

    public func run() async throws {
        try await pool.run()
    }

    @discardableResult
    public func add(_ grants: [Grant]) async throws -> [Grant] {
        guard !grants.isEmpty else { return [] }
        let logger = self.logger
        let inserted = try await pool.withConnection { connection in
            var keys = Set<[String]>()
            for try await (user, kind, name) in try await connection.query(
                """
                INSERT INTO grants (user_key, kind, name, event_id, granted_at)
                SELECT * FROM UNNEST(\(grants.map(\.userKey))::text[], \(grants.map(\.kind.rawValue))::text[],
                    \(grants.map(\.name))::text[], \(grants.map(\.eventID))::text[], \(grants.map(\.grantedAt))::timestamptz[])
                ON CONFLICT (user_key, kind, name) DO NOTHING
                RETURNING user_key, kind, name
                """,
                logger: logger
            ).decode((String, String, String).self) {
                keys.insert([user, kind, name])
            }
            return keys
        }
        // In the order given, each once (the insert keeps the first of a batch's duplicates).
        var added: [Grant] = []
        var remaining = inserted
        for grant in grants where remaining.remove([grant.userKey, grant.kind.rawValue, grant.name]) != nil {
            added.append(grant)
        }
        return added
    }

    public func grants(user: String?) async throws -> [Grant] {
        let logger = self.logger
        let query: PostgresQuery =
            if let user {
                "SELECT \(unescaped: Self.columns) FROM grants WHERE user_key IN (\(user), \(user.lowercased())) ORDER BY user_key, kind, name"
            } else {
                "SELECT \(unescaped: Self.columns) FROM grants ORDER BY user_key, kind, name"
            }
        return try await pool.withConnection { connection in
            var grants: [Grant] = []
            for try await (user, kind, name, eventID, grantedAt, pushedAt) in try await connection.query(query, logger: logger).decode(
                (String, String, String, String, Date, Date?).self)
            {
                // A kind this version does not know is passed over (only this store writes rows).
                guard let kind = Grant.Kind(rawValue: kind) else { continue }
                grants.append(Grant(userKey: user, kind: kind, name: name, eventID: eventID, grantedAt: grantedAt, scimPushedAt: pushedAt))
            }
            return grants
        }
    }

    public func markPushed(_ grant: Grant, at time: Date) async throws {
        let logger = self.logger
        try await pool.withConnection { connection in
            _ = try await connection.query(
                """
                UPDATE grants SET scim_pushed_at = \(time)
                WHERE user_key = \(grant.userKey) AND kind = \(grant.kind.rawValue) AND name = \(grant.name)
                """,
                logger: logger)
        }
    }

    private static let columns = "user_key, kind, name, event_id, granted_at, scim_pushed_at"

    /// Text in the "C" collation orders byte by byte, as SQLite does.
    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS grants (
            user_key TEXT COLLATE "C" NOT NULL,
            kind TEXT COLLATE "C" NOT NULL,
            name TEXT COLLATE "C" NOT NULL,
            event_id TEXT NOT NULL,
            granted_at TIMESTAMPTZ NOT NULL,
            scim_pushed_at TIMESTAMPTZ,
            PRIMARY KEY (user_key, kind, name)
        )
        """
    ]
}
