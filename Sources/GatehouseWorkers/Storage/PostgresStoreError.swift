import PostgresNIO

/// A PostgreSQL store could not do what was asked: the server could not be reached or refused the
/// user, or the schema could not be created. Its description names the server by its URL without the
/// password, and says why in PostgreSQL's own words.
public struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// What failed.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String {
            case connect = "cannot connect"
            case schema = "cannot create the tables"
            case timeout = "timed out connecting"
            case query = "a query failed"
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The server could not be reached, or refused the connection, the user or the database.
        public static let connect = Code(.connect)
        /// The tables could not be created (a user without the right, say).
        public static let schema = Code(.schema)
        /// Connecting took longer than the URL's `connect_timeout`.
        public static let timeout = Code(.timeout)
        /// A query or transaction failed, or no connection could be had for it.
        public static let query = Code(.query)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The server, as a URL without the password.
    public let server: String
    /// Why, in PostgreSQL's words where it gave any.
    public let reason: String
    public let file: String
    public let line: Int

    init(_ code: Code, server: PostgresConfiguration, reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.server = server.description
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { "PostgreSQL at \(server): \(code): \(reason)" }

    /// What postgres-nio's error says, which its own description hides (it may hold query text):
    /// the server's message, or the connection's failure.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PostgresStoreError { return error.reason }
        if let transaction = error as? PostgresTransactionError,
            let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError
        {
            return reason(inner)
        }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
            let state = error.serverInfo?[.sqlState].map { " [SQLSTATE \($0)]" } ?? ""
            return message + detail + state
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}
