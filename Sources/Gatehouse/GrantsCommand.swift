import ArgumentParser
import Foundation
import GatehouseSettings
import GatehouseSignup
import GatehouseWorkers
import Logging

/// `gatehouse grants list`: the permissions worker's grant store.
struct GrantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grants",
        abstract: "Print the groups and roles the permissions worker granted.",
        subcommands: [List.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print grants by user, kind and name: a table, or JSON Lines with --json.")

        @Option(help: "The configuration file (workers.permissions.database).") var config: String?
        @Option(
            help: """
                The grant store: a SQLite file (default: data/permissions.sqlite, where `gatehouse dev` keeps it) or a \
                postgres:// URL (prefer --config, whose URL can come from the environment, to keep a password off the command line).
                """)
        var database: String?
        @Option(help: "Only this user (user key or email).") var user: String?
        @Flag(help: "Print one JSON object per grant.") var json = false

        func validate() throws {
            if config != nil && database != nil { throw ValidationError("give --config or --database, not both") }
        }

        func run() async throws {
            var location = StoreLocation.sqlite("data/permissions.sqlite")
            if let database {
                do {
                    location = try StoreLocation(database)
                } catch {
                    throw ValidationError("--database: \(error)")
                }
            } else if let config {
                do {
                    location = try await GatehouseSettings.load(path: config).permissionsDatabase
                } catch {
                    throw ValidationError("\(config): \(error)")
                }
            }
            if let path = location.sqlitePath, !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no grant database at \(path)")
            }
            let store = try Stores.grants(location, logger: Logger(label: "gatehouse.grants") { _ in SwiftLogNoOpLogHandler() })
            let user = self.user
            let grants = try await Stores.withRunning(store) { try await $0.grants(user: user) }
            if json {
                for grant in grants { print(String(decoding: grant.json.canonicalBytes(), as: UTF8.self)) }
                return
            }
            let rows =
                [["USER", "KIND", "NAME", "GRANTED", "EVENT", "SCIM"]]
                + grants.map { grant in
                    [
                        grant.userKey, grant.kind.rawValue, grant.name, SignupEvent.timestamp(grant.grantedAt), grant.eventID,
                        grant.scimPushedAt.map { "pushed \(SignupEvent.timestamp($0))" } ?? "-",
                    ]
                }
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let cells = row.enumerated().map { column, cell in
                    column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                }
                print(cells.joined(separator: "  "))
            }
            print("\(grants.count) grant\(grants.count == 1 ? "" : "s").")
        }
    }
}
