import GatehouseKafka
import NIOCore
import NIOSSL
import PostgresNIO

/// The one place a ``PostgresConfiguration`` becomes postgres-nio's: the pool's and a single
/// connection's.
extension PostgresConfiguration {
    /// TLS as `sslmode` asks: no check of the certificate for `prefer` and `require` (as libpq
    /// without a root certificate file), the chain for `verify-ca`, and the host name too for
    /// `verify-full`.
    func tlsConfiguration() -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification =
            self.tls.verifiesHostname ? .fullVerification : self.tls.verifiesCertificate ? .noHostnameVerification : .none
        if let rootCertificateFile { tls.trustRoots = .file(rootCertificateFile) }
        return tls
    }

    func clientConfiguration() -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socket = unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: username, password: password, database: database)
        } else {
            let mode: PostgresClient.Configuration.TLS =
                !tls.isAllowed ? .disable : tls.isRequired ? .require(tlsConfiguration()) : .prefer(tlsConfiguration())
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: mode)
        }
        configuration.options.connectTimeout = connectTimeout
        configuration.options.maximumConnections = maximumConnections
        configuration.options.additionalStartupParameters = [("application_name", "gatehouse")]
        return configuration
    }

    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socket = unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: username, password: password, database: database)
        } else {
            let mode: PostgresConnection.Configuration.TLS
            if !tls.isAllowed {
                mode = .disable
            } else {
                let context = try NIOSSLContext(configuration: tlsConfiguration())
                mode = tls.isRequired ? .require(context) : .prefer(context)
            }
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: mode)
        }
        configuration.options.connectTimeout = .nanoseconds(connectTimeout.nanoseconds)
        configuration.options.additionalStartupParameters = [("application_name", "gatehouse")]
        return configuration
    }
}
