import Foundation
import GatehouseSettings
import GatehouseWorkers

/// The workers Gatehouse ships, by name.
enum BuiltInWorkers {
    /// Every built-in worker's name, in the order `dev` starts them.
    static let names = ["audit", "permissions"]

    /// What the built-in workers need besides the runner's configuration.
    struct Inputs {
        /// The audit worker's SQLite database.
        var auditDatabase: String
        /// The permissions worker's grant store.
        var permissionsDatabase: String
        /// The permissions worker's rules and SCIM endpoint.
        var permissions: PermissionsConfiguration

        /// From a configuration file's settings.
        init(settings: GatehouseSettings) {
            auditDatabase = settings.auditDatabase
            permissionsDatabase = settings.permissionsDatabase
            permissions = settings.permissions
        }

        /// `gatehouse dev`'s: both stores in the data folder, and no grant rules, so the permissions
        /// worker runs and grants nothing.
        init(dataDirectory: URL) {
            auditDatabase = dataDirectory.appendingPathComponent("audit.sqlite").path
            permissionsDatabase = dataDirectory.appendingPathComponent("permissions.sqlite").path
            permissions = PermissionsConfiguration()
        }
    }

    /// Makes the named built-in workers.
    ///
    /// - Throws: `UnknownWorker` naming the unknown name and the known ones.
    static func make(_ names: [String], _ inputs: Inputs) throws -> [any SignupWorker] {
        try names.map { name in
            switch name {
            case "audit": AuditWorker(store: try SQLiteAuditStore(path: inputs.auditDatabase))
            case "permissions":
                PermissionsWorker(configuration: inputs.permissions, store: try SQLiteGrantStore(path: inputs.permissionsDatabase))
            default: throw UnknownWorker(name: name)
            }
        }
    }
}

/// A worker name that is not a built-in worker.
struct UnknownWorker: Error, CustomStringConvertible {
    let name: String

    var description: String { "no worker named '\(name)'; the built-in workers are \(BuiltInWorkers.names.joined(separator: ", "))" }
}
