import Foundation

/// Where a PostgreSQL store lives: a server, a user and a database, read from a URL in libpq's form.
///
/// ```
/// postgres://gatehouse:PASSWORD@db.internal:5432/gatehouse?sslmode=verify-full
/// postgres://gatehouse@/gatehouse?host=/var/run/postgresql        # a Unix socket in that folder
/// ```
///
/// Query parameters: `sslmode` (see ``TLSMode``), `sslrootcert` (a PEM file of trusted certificate
/// authorities, for `verify-ca` and `verify-full`), `host` (a socket folder, beginning with `/`) and
/// `connect_timeout` (whole seconds). A password is percent-encoded in the URL. The description of a
/// configuration, and every error about one, leaves the password out.
public struct PostgresConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is encrypted, as libpq's `sslmode` says.
    public struct TLSMode: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, CaseIterable {
            case disable, prefer, require
            case verifyCA = "verify-ca"
            case verifyFull = "verify-full"
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// Plain TCP.
        public static let disable = TLSMode(.disable)
        /// TLS if the server offers it, plain otherwise; the certificate is not checked (libpq's default).
        public static let prefer = TLSMode(.prefer)
        /// TLS or no connection; the certificate is not checked.
        public static let require = TLSMode(.require)
        /// TLS, with a certificate issued by a trusted authority (`sslrootcert`, or the system's).
        public static let verifyCA = TLSMode(.verifyCA)
        /// As `verifyCA`, and the certificate names the host.
        public static let verifyFull = TLSMode(.verifyFull)

        /// The mode `sslmode` names; `nil` for a name libpq's modes do not include (`allow` is not
        /// supported: it would try plain text first).
        public init?(sslmode: String) {
            guard let base = Base(rawValue: sslmode) else { return nil }
            self.init(base)
        }

        /// The names `sslmode` accepts.
        public static var names: [String] { Base.allCases.map(\.rawValue) }

        /// Whether TLS is attempted at all.
        public var isAllowed: Bool { base != .disable }
        /// Whether a connection without TLS is refused.
        public var isRequired: Bool { base != .disable && base != .prefer }
        /// Whether the server's certificate must chain to a trusted authority.
        public var verifiesCertificate: Bool { base == .verifyCA || base == .verifyFull }
        /// Whether the server's certificate must name the host.
        public var verifiesHostname: Bool { base == .verifyFull }

        public var description: String { base.rawValue }
    }

    /// The server's host name or address, or, beginning with `/`, the folder of its Unix socket.
    public var host: String
    public var port: Int
    public var username: String
    /// The password, if the URL gives one. Never printed.
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// A PEM file of certificate authorities to trust instead of the system's.
    public var rootCertificateFile: String?
    /// How long opening a connection may take.
    public var connectTimeout: Duration
    /// The most connections the store's pool opens.
    public var maximumConnections: Int

    /// A configuration from its parts.
    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String? = nil,
        database: String,
        tls: TLSMode = .prefer,
        rootCertificateFile: String? = nil,
        connectTimeout: Duration = .seconds(10),
        maximumConnections: Int = 4
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.rootCertificateFile = rootCertificateFile
        self.connectTimeout = connectTimeout
        self.maximumConnections = maximumConnections
    }

    /// The Unix socket's path, when ``host`` is a folder.
    public var unixSocketPath: String? {
        host.hasPrefix("/") ? "\(host.hasSuffix("/") ? String(host.dropLast()) : host)/.s.PGSQL.\(port)" : nil
    }

    /// The URL without its password, for messages and logs.
    public var description: String {
        let user = Self.encode(username) + (password == nil ? "" : ":***")
        var parameters: [String] = []
        let address: String
        if unixSocketPath != nil {
            address = ""
            parameters.append("host=\(host)")
            if port != 5432 { parameters.append("port=\(port)") }
        } else {
            address = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
            if tls != .prefer { parameters.append("sslmode=\(tls)") }
        }
        if let rootCertificateFile { parameters.append("sslrootcert=\(rootCertificateFile)") }
        let query = parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&")
        return "postgres://\(user)@\(address)/\(Self.encode(database))\(query)"
    }

    /// Whether `text` is meant as a PostgreSQL URL (rather than, say, a SQLite file's path).
    public static func isURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? text
    }
}
