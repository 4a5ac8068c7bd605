import Logging
import PostgresNIO
import Synchronization

/// A PostgreSQL store's connections: postgres-nio's pool, and the store's tables, created once before
/// the first use.
///
/// The pool works only while ``run()`` runs (the store's `Service` lifecycle, or a command's scope).
final class PostgresPool: Sendable {
    let configuration: PostgresConfiguration
    private let client: PostgresClient
    private let schema: [String]
    private let logger: Logger
    /// Creating the tables, or having created them. Cleared on failure, so that the next use tries again.
    private let prepared = Mutex<Task<Void, any Error>?>(nil)

    /// Each statement of `schema` must be idempotent (`CREATE … IF NOT EXISTS`).
    init(_ configuration: PostgresConfiguration, schema: [String], logger: Logger) {
        self.configuration = configuration
        self.schema = schema
        self.logger = logger
        client = PostgresClient(configuration: configuration.clientConfiguration(), backgroundLogger: logger)
    }

    /// Runs the pool until graceful shutdown or cancellation, having first created the tables: a
    /// server that cannot be reached fails this at once, naming why.
    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            try await ready()
            try await group.next()
        }
    }

    /// Returns once the tables exist, creating them on the first call.
    ///
    /// - Throws: ``PostgresStoreError`` when the server cannot be reached or the tables cannot be made.
    func ready() async throws {
        let task = prepared.withLock { current in
            if let current { return current }
            let task = Task { try await self.createSchema() }
            current = task
            return task
        }
        do {
            try await task.value
        } catch {
            prepared.withLock { if $0 == task { $0 = nil } }
            throw error
        }
    }

    /// Runs `body` in a transaction on a pooled connection.
    func withTransaction<T: Sendable>(_ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending T) async throws -> T {
        try await ready()
        do {
            return try await client.withTransaction(logger: logger, body)
        } catch {
            throw PostgresStoreError(.query, server: configuration, reason: PostgresStoreError.reason(error))
        }
    }

    /// Runs `body` on a pooled connection.
    func withConnection<T: Sendable>(_ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending T) async throws -> T {
        try await ready()
        do {
            return try await client.withConnection(body)
        } catch {
            throw PostgresStoreError(.query, server: configuration, reason: PostgresStoreError.reason(error))
        }
    }

    /// The tables, made on a connection of its own rather than the pool's, whose connection errors
    /// would arrive only as a tripped circuit breaker after a minute of retries.
    private func createSchema() async throws {
        let connection = try await connect()
        do {
            try await connection.withTransaction(logger: logger) { connection in
                // Two processes starting at once must not race on CREATE TABLE IF NOT EXISTS,
                // which PostgreSQL does not make atomic.
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.schemaLock))", logger: logger)
                for statement in schema { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
            }
        } catch {
            try? await connection.close()
            throw PostgresStoreError(.schema, server: configuration, reason: PostgresStoreError.reason(error))
        }
        try? await connection.close()
    }

    /// One connection, within the URL's `connect_timeout` all told (TLS and authentication included).
    private func connect() async throws -> PostgresConnection {
        let configuration = self.configuration
        let connectionConfiguration: PostgresConnection.Configuration
        do {
            connectionConfiguration = try configuration.connectionConfiguration()
        } catch {
            throw PostgresStoreError(.connect, server: configuration, reason: "TLS cannot be set up: \(error)")
        }
        let logger = self.logger
        return try await withThrowingTaskGroup(of: PostgresConnection?.self) { group in
            group.addTask {
                do {
                    return try await PostgresConnection.connect(configuration: connectionConfiguration, id: 0, logger: logger)
                } catch {
                    throw PostgresStoreError(.connect, server: configuration, reason: PostgresStoreError.reason(error))
                }
            }
            group.addTask {
                try await Task.sleep(for: configuration.connectTimeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let connection = try await group.next() ?? nil else {
                throw PostgresStoreError(
                    .timeout, server: configuration, reason: "no answer within \(configuration.connectTimeout) (connect_timeout)")
            }
            return connection
        }
    }

    /// The advisory lock key under which the stores create their tables: "gatehous" in ASCII.
    private static let schemaLock: Int64 = 0x6761_7465_686F_7573
}
