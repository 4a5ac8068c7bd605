import Foundation

extension PostgresConfiguration {
    /// Reads a URL such as `postgres://user:password@host:5432/database?sslmode=require`.
    ///
    /// - Throws: ``PostgresURLError`` saying what is wrong; it never repeats the URL's password.
    public init(url text: String) throws(PostgresURLError) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = text.range(of: "://"), Self.isURL(text) else {
            throw PostgresURLError("it must begin with postgres:// or postgresql://")
        }
        var rest = text[schemeEnd.upperBound...]
        // The last '@' ends the user part, so that a password with an unencoded '/' or '?' still
        // parses and is never mistaken for a host, port or database (and so never repeated).
        var username = ""
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                username = try Self.decode(userInfo[..<colon], "the user name")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], "the password")
            } else {
                username = try Self.decode(userInfo, "the user name")
            }
        }
        var query = ""
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        var database = ""
        if let slash = rest.firstIndex(of: "/") {
            database = try Self.decode(rest[rest.index(after: slash)...], "the database name")
            rest = rest[..<slash]
        }
        var (host, port) = try Self.hostAndPort(rest)

        var tls = TLSMode.prefer
        var rootCertificateFile: String?
        var connectTimeout = Duration.seconds(10)
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = String(parts[0])
            let value = try Self.decode(parts.count > 1 ? parts[1] : "", "the \(name) parameter")
            switch name {
            case "sslmode":
                guard let mode = TLSMode(sslmode: value) else {
                    throw PostgresURLError("sslmode '\(value)' is not one of \(TLSMode.names.joined(separator: ", "))")
                }
                tls = mode
            case "sslrootcert": rootCertificateFile = value
            case "host":
                guard host.isEmpty else { throw PostgresURLError("it names a host twice, before the database and as host=") }
                host = value
            case "port":
                guard let number = Int(value), (1...65535).contains(number) else {
                    throw PostgresURLError("the port parameter is not a number from 1 to 65535")
                }
                port = number
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw PostgresURLError("connect_timeout must be a whole number of seconds above 0")
                }
                connectTimeout = .seconds(seconds)
            default:
                throw PostgresURLError(
                    "it has an unknown parameter '\(name)'; Gatehouse reads sslmode, sslrootcert, host, port and connect_timeout")
            }
        }
        guard !host.isEmpty else {
            throw PostgresURLError("it names no host: postgres://user:password@HOST:5432/database, or ?host=/socket/folder")
        }
        guard !username.isEmpty else { throw PostgresURLError("it names no user: postgres://USER:password@host:5432/database") }
        guard !database.isEmpty else { throw PostgresURLError("it names no database: postgres://user:password@host:5432/DATABASE") }
        if host.hasPrefix("/") && tls.isRequired {
            throw PostgresURLError("sslmode=\(tls) asks for TLS, which a Unix socket does not use")
        }
        if rootCertificateFile != nil && !tls.verifiesCertificate {
            throw PostgresURLError("sslrootcert is used only with sslmode=verify-ca or verify-full")
        }
        self.init(
            host: host, port: port, username: username, password: password, database: database, tls: tls,
            rootCertificateFile: rootCertificateFile, connectTimeout: connectTimeout)
    }

    private static func hostAndPort(_ text: Substring) throws(PostgresURLError) -> (String, Int) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw PostgresURLError("it has an IPv6 address without its closing ']'") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw PostgresURLError("it has text after the IPv6 address")
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        var port = 5432
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw PostgresURLError("the port is not a number from 1 to 65535")
            }
            port = number
        }
        return (try decode(host, "the host"), port)
    }

    private static func decode(_ text: Substring, _ what: String) throws(PostgresURLError) -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw PostgresURLError("\(what) has a bad percent escape (write a literal '%' as %25)")
        }
        return decoded
    }
}

/// A PostgreSQL URL that cannot be used. Its message never repeats the URL's password.
public struct PostgresURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, as in "it names no database".
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { "bad PostgreSQL URL: \(reason)" }
}
