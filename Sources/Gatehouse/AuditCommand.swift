import ArgumentParser
import Foundation
import GatehouseSettings
import GatehouseSignup
import GatehouseWorkers
import Logging

/// `gatehouse audit verify|query`: the audit store.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the audit store's hash chain, or print its records.",
        subcommands: [Verify.self, Query.self]
    )

    struct StoreOptions: ParsableArguments {
        @Option(help: "The configuration file (workers.audit.database).") var config: String?
        @Option(
            help: """
                The audit store: a SQLite file (default: data/audit.sqlite, where `gatehouse dev` keeps it) or a postgres:// URL \
                (prefer --config, whose URL can come from the environment, to keep a password off the command line).
                """)
        var database: String?

        /// Runs `body` with the audit store, open (and, for PostgreSQL, connected) for its duration.
        func withStore<T: Sendable>(_ body: (any AuditStore) async throws -> T) async throws -> T {
            var location = StoreLocation.sqlite("data/audit.sqlite")
            if let database {
                do {
                    location = try StoreLocation(database)
                } catch {
                    throw ValidationError("--database: \(error)")
                }
            } else if let config {
                do {
                    location = try await GatehouseSettings.load(path: config).auditDatabase
                } catch {
                    throw ValidationError("\(config): \(error)")
                }
            }
            if let path = location.sqlitePath, !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no audit database at \(path)")
            }
            let store = try Stores.audit(location, logger: Logger(label: "gatehouse.audit") { _ in SwiftLogNoOpLogHandler() })
            return try await Stores.withRunning(store, body)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the hash chain; name every changed, deleted or moved record. Exits 1 if any.")

        @OptionGroup var options: StoreOptions

        func run() async throws {
            let verification = try await options.withStore { try await $0.verify() }
            if verification.isIntact {
                print("The audit chain is intact: \(verification.records) records.")
                return
            }
            for problem in verification.problems { print(problem) }
            print("The audit chain is broken: \(verification.problems.count) problems in \(verification.records) records.")
            throw ExitCode(1)
        }
    }

    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print audit records as JSON Lines, oldest first.")

        @OptionGroup var options: StoreOptions
        @Option(help: "Only this user (user key or email).") var user: String?
        @Option(help: "Only this event type.") var type: String?
        @Option(help: "Only events at or after this time (RFC 3339).") var since: String?
        @Option(help: "Only events before this time (RFC 3339).") var until: String?
        @Option(help: "At most this many records.") var limit: Int = 1000

        func run() async throws {
            func date(_ text: String?, _ name: String) throws -> Date? {
                guard let text else { return nil }
                guard let date = SignupEvent.parseTimestamp(text) else {
                    throw ValidationError("--\(name) must be an RFC 3339 time such as 2026-11-26T09:00:00Z, not '\(text)'")
                }
                return date
            }
            let query = AuditQuery(
                subject: user, type: type, since: try date(since, "since"), until: try date(until, "until"), limit: limit)
            for record in try await options.withStore({ try await $0.records(query) }) {
                print(String(decoding: record.json.canonicalBytes(), as: UTF8.self))
            }
        }
    }
}
