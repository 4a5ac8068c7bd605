import Foundation
import GatehouseTestSupport
import GatehouseWorkers
import Testing

/// `sslmode` against a real server that accepts TCP only with TLS, with a certificate for `localhost`
/// from a test authority.
@Suite struct PostgresTLSTests {
    @Test func eachSSLModeConnectsOrFailsAsLibpqWould() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let other = try TestPKI()
        defer { other.remove() }
        let server = try await PostgresServer.start(
            durable: false, tls: (certificateFile: pki.server.certificateFile, keyFile: pki.server.privateKeyFile))
        defer { server.stop() }
        let url = try await server.createDatabase("tls")
        let name = String(url.split(separator: "?")[0].split(separator: "/").last!)
        func store(_ parameters: String) throws -> PostgresAuditStore {
            var configuration = try PostgresConfiguration(
                url: "postgres://gatehouse:\(server.password)@localhost:\(server.port)/\(name)?\(parameters)")
            configuration.connectTimeout = .seconds(5)
            return PostgresAuditStore(configuration: configuration, logger: TestFixtures.logger("tls"))
        }

        // Verified against the test authority, host name included; then unverified; then preferred.
        for parameters in ["sslmode=verify-full&sslrootcert=\(pki.authority.certificateFile)", "sslmode=require", "sslmode=prefer"] {
            let tls = try store(parameters)
            try await WorkerFixture.withServices([tls]) {
                try await tls.append(PostgresAuditTests.entries(1))
                #expect(try await tls.verify().isIntact, "\(parameters)")
            }
        }

        // Plain text is refused by the server; a certificate from another authority by the client.
        let plain = await #expect(throws: PostgresStoreError.self) { try await store("sslmode=disable").run() }
        #expect(plain?.reason.contains("no pg_hba.conf entry") == true, "\(plain?.reason ?? "")")
        let untrusted = await #expect(throws: PostgresStoreError.self) {
            try await store("sslmode=verify-full&sslrootcert=\(other.authority.certificateFile)").run()
        }
        #expect(untrusted?.code == .connect)
        #expect(untrusted.map { !"\($0)".contains(server.password) } == true)
    }
}
