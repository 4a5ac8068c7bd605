/// Where a worker's store lives: a SQLite file (the default, under the data folder) or a PostgreSQL
/// database.
///
/// Configured as one text: a `postgres://` or `postgresql://` URL (see ``PostgresConfiguration``),
/// or else a file path.
public struct StoreLocation: Sendable, Hashable, CustomStringConvertible {
    private enum Base: Sendable, Hashable {
        case sqlite(String)
        case postgres(PostgresConfiguration)
    }

    private let base: Base

    private init(_ base: Base) { self.base = base }

    /// A SQLite file.
    public static func sqlite(_ path: String) -> StoreLocation { StoreLocation(.sqlite(path)) }

    /// A PostgreSQL database.
    public static func postgres(_ configuration: PostgresConfiguration) -> StoreLocation { StoreLocation(.postgres(configuration)) }

    /// A PostgreSQL URL, or else a SQLite file's path.
    ///
    /// - Throws: ``PostgresURLError`` for a PostgreSQL URL that cannot be used.
    public init(_ text: String) throws(PostgresURLError) {
        self = PostgresConfiguration.isURL(text) ? .postgres(try PostgresConfiguration(url: text)) : .sqlite(text)
    }

    /// The SQLite file's path, if the store is in SQLite.
    public var sqlitePath: String? {
        if case .sqlite(let path) = base { path } else { nil }
    }

    /// The PostgreSQL database, if the store is in PostgreSQL.
    public var postgres: PostgresConfiguration? {
        if case .postgres(let configuration) = base { configuration } else { nil }
    }

    /// The path, or the URL without its password.
    public var description: String {
        switch base {
        case .sqlite(let path): path
        case .postgres(let configuration): configuration.description
        }
    }
}
