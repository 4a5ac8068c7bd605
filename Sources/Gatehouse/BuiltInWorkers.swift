import Foundation
import GatehouseKafka
import GatehouseSettings
import GatehouseSignup
import GatehouseWorkers
import Logging
import ServiceLifecycle

/// The workers Gatehouse ships, by name.
enum BuiltInWorkers {
    /// Every built-in worker's name, in the order `dev` starts them.
    static let names = ["audit", "notifications", "permissions"]

    /// What the built-in workers need besides the runner's configuration.
    struct Inputs {
        /// The audit worker's SQLite database.
        var auditDatabase: String
        /// The notifications worker's targets and routes.
        var notifications: NotificationsConfiguration
        /// The permissions worker's grant store.
        var permissionsDatabase: String
        /// The permissions worker's rules and SCIM endpoint.
        var permissions: PermissionsConfiguration

        /// From a configuration file's settings.
        init(settings: GatehouseSettings) {
            auditDatabase = settings.auditDatabase
            notifications = settings.notifications
            permissionsDatabase = settings.permissionsDatabase
            permissions = settings.permissions
        }

        /// `gatehouse dev`'s: the stores in the data folder, notifications to a JSON Lines file there,
        /// and no grant rules, so the permissions worker runs and grants nothing.
        init(dataDirectory: URL) {
            auditDatabase = dataDirectory.appendingPathComponent("audit.sqlite").path
            notifications = NotificationsConfiguration(dataDirectory: dataDirectory)
            permissionsDatabase = dataDirectory.appendingPathComponent("permissions.sqlite").path
            permissions = PermissionsConfiguration()
        }
    }

    /// Makes the named built-in workers.
    ///
    /// - Throws: ``UnknownWorker`` naming the unknown name and the known ones, or a worker's
    ///   configuration error.
    static func make(_ names: [String], _ inputs: Inputs) throws -> [any SignupWorker] {
        try names.map { name in
            switch name {
            case "audit": AuditWorker(store: try SQLiteAuditStore(path: inputs.auditDatabase))
            case "notifications": try NotificationsWorker(configuration: inputs.notifications)
            case "permissions":
                PermissionsWorker(configuration: inputs.permissions, store: try SQLiteGrantStore(path: inputs.permissionsDatabase))
            default: throw UnknownWorker(name: name)
            }
        }
    }

    /// The event types a built-in worker handles, known without making it (and so without opening
    /// its stores): for dry runs.
    static func eventTypes(of name: String, _ inputs: Inputs) throws -> Set<String> {
        switch name {
        case "audit": [SignupEvent.type, WorkerOutcome.type]
        case "notifications": inputs.notifications.eventTypes
        case "permissions": [SignupEvent.type]
        default: throw UnknownWorker(name: name)
        }
    }

    /// The services that run the named workers: for each, the worker itself when it has a lifecycle
    /// (an HTTP client to close), then its runner, so that the runner stops first.
    static func services(
        _ names: [String],
        _ inputs: Inputs,
        configuration: WorkerConfiguration,
        topics: any KafkaTopicCreating,
        logger: Logger
    ) throws -> [any Service] {
        try make(names, inputs).flatMap { worker -> [any Service] in
            var configuration = configuration
            if worker is AuditWorker, let outcomes = configuration.outcomesTopic {
                // The audit store keeps the workers' outcomes too, for gatehouse trace.
                configuration.sourceTopics.append(outcomes)
            }
            let runner = WorkerRunner(worker: worker, configuration: configuration, topics: topics, logger: logger)
            if let service = worker as? any Service { return [service, runner] }
            return [runner]
        }
    }
}

/// A worker name that is not a built-in worker.
struct UnknownWorker: Error, CustomStringConvertible {
    let name: String

    var description: String { "no worker named '\(name)'; the built-in workers are \(BuiltInWorkers.names.joined(separator: ", "))" }
}
