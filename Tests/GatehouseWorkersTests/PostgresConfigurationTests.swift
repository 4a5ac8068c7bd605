import Foundation
import GatehouseSettings
import GatehouseTestSupport
import GatehouseWorkers
import Testing

/// PostgreSQL URLs, and the store keys that take them.
@Suite struct PostgresConfigurationTests {
    @Test func urlsAreReadAsLibpqReadsThem() throws {
        let tcp = try PostgresConfiguration(url: "postgres://gate%40house:p%40ss:w/rd@db.internal:6543/audit%20log?sslmode=verify-full")
        #expect(tcp.username == "gate@house")
        #expect(tcp.password == "p@ss:w/rd")
        #expect(tcp.host == "db.internal")
        #expect(tcp.port == 6543)
        #expect(tcp.database == "audit log")
        #expect(tcp.tls == .verifyFull)
        #expect(tcp.unixSocketPath == nil)
        #expect(tcp.description == "postgres://gate%40house:***@db.internal:6543/audit%20log?sslmode=verify-full")

        let defaults = try PostgresConfiguration(url: "postgresql://gatehouse@[::1]/gatehouse")
        #expect(defaults.host == "::1")
        #expect(defaults.port == 5432)
        #expect(defaults.password == nil)
        #expect(defaults.tls == .prefer)
        #expect(defaults.description == "postgres://gatehouse@[::1]:5432/gatehouse")

        let socket = try PostgresConfiguration(url: "postgres://gatehouse@/gatehouse?host=/var/run/postgresql&connect_timeout=3")
        #expect(socket.unixSocketPath == "/var/run/postgresql/.s.PGSQL.5432")
        #expect(socket.connectTimeout == .seconds(3))

        let verified = try PostgresConfiguration(url: "postgres://u:p@h/d?sslmode=verify-ca&sslrootcert=/etc/ssl/db-ca.pem")
        #expect(verified.rootCertificateFile == "/etc/ssl/db-ca.pem")
        #expect(verified.tls.verifiesCertificate && !verified.tls.verifiesHostname)
    }

    @Test(arguments: [
        ("mysql://u:secret@h/d", "it must begin with postgres:// or postgresql://"),
        ("postgres://u:secret@h:99999/d", "the port is not a number from 1 to 65535"),
        ("postgres://u:secret@h:port/d", "the port is not a number from 1 to 65535"),
        ("postgres://u:secret@h", "it names no database"),
        ("postgres://:secret@h/d", "it names no user"),
        ("postgres://u:secret@/d", "it names no host"),
        ("postgres://u:secret@h/d?sslmode=always", "sslmode 'always' is not one of disable, prefer, require, verify-ca, verify-full"),
        ("postgres://u:secret@h/d?ssl=true", "it has an unknown parameter 'ssl'"),
        ("postgres://u:secret@h/d?sslmode=require&sslrootcert=/ca.pem", "sslrootcert is used only with sslmode=verify-ca or verify-full"),
        ("postgres://u@/d?host=/run/postgresql&sslmode=require", "sslmode=require asks for TLS, which a Unix socket does not use"),
    ])
    func badURLsAreExplainedWithoutTheirPassword(_ url: String, _ reason: String) throws {
        let error = #expect(throws: PostgresURLError.self) { try PostgresConfiguration(url: url) }
        #expect(error?.reason.hasPrefix(reason) == true, "\(error?.reason ?? "no error")")
        #expect(error.map { !"\($0)".contains("secret") } == true)
    }

    @Test func theStoreKeysTakeAPathOrAURLAndABadURLIsNamedByKey() async throws {
        let good = try PermissionsSettingsTests.write(
            """
            kafka: {bootstrap_servers: [a:9092]}
            durability: {data_dir: /var/lib/gatehouse}
            workers:
              audit: {database: "postgres://gatehouse:pw@db:5432/gatehouse?sslmode=require"}
            """)
        let settings = try await GatehouseSettings.load(
            path: good, environment: ["GATEHOUSE_WORKERS_PERMISSIONS_DATABASE": "postgres://gatehouse:from-env@db/gatehouse"])
        #expect(settings.auditDatabase.postgres?.tls == .require)
        #expect(settings.auditDatabase.postgres?.password == "pw")
        #expect(settings.permissionsDatabase.postgres?.password == "from-env")
        #expect(settings.permissionsDatabase.description == "postgres://gatehouse:***@db:5432/gatehouse")

        let defaults = try await GatehouseSettings.load(path: try PermissionsSettingsTests.write("kafka: {bootstrap_servers: [a:9092]}"))
        #expect(defaults.auditDatabase.sqlitePath?.hasSuffix("/data/audit.sqlite") == true)

        let bad = try PermissionsSettingsTests.write(
            """
            kafka: {bootstrap_servers: [a:9092]}
            workers:
              audit: {database: "postgres://gatehouse:hunter2@db:54x2/gatehouse"}
              permissions: {database: "postgresql://gatehouse:hunter2@db/gatehouse?sslmode=maybe"}
            """)
        let problems = await #expect(throws: ConfigurationProblems.self) { try await GatehouseSettings.load(path: bad) }
        #expect(
            problems?.problems == [
                "workers.audit.database: bad PostgreSQL URL: the port is not a number from 1 to 65535",
                "workers.permissions.database: bad PostgreSQL URL: sslmode 'maybe' is not one of disable, prefer, require, verify-ca, verify-full",
            ])
        #expect(problems.map { !"\($0)".contains("hunter2") } == true)

        // check-config says the same, and exits 1.
        let output = try ChildProcess.run(
            ExternalTools.gatehouse(), arguments: ["check-config", bad], allowFailure: true, includeStandardError: true)
        #expect(output.contains("workers.audit.database: bad PostgreSQL URL: the port is not a number from 1 to 65535"))
        #expect(!output.contains("hunter2"))
    }
}
