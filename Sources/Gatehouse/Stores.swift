import GatehouseWorkers
import Logging
import ServiceLifecycle

/// The workers' stores where the configuration puts them: SQLite files, or PostgreSQL.
enum Stores {
    /// The audit store at `location`.
    static func audit(_ location: StoreLocation, logger: Logger) throws -> any AuditStore {
        if let postgres = location.postgres { return PostgresAuditStore(configuration: postgres, logger: logger) }
        return try SQLiteAuditStore(path: location.description)
    }

    /// The grant store at `location`.
    static func grants(_ location: StoreLocation, logger: Logger) throws -> any GrantStore {
        if let postgres = location.postgres { return PostgresGrantStore(configuration: postgres, logger: logger) }
        return try SQLiteGrantStore(path: location.description)
    }

    /// Runs `body` with `store`, and the store's service meanwhile if it has one (a PostgreSQL
    /// store's pool), for a command that uses a store once. A server that cannot be reached fails
    /// `body`'s first use of the store, naming why.
    static func withRunning<Store: Sendable, T: Sendable>(_ store: Store, _ body: (Store) async throws -> T) async throws -> T {
        guard let service = store as? any Service else { return try await body(store) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }
}
