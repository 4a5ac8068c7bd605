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
        /// The audit worker's store.
        var auditDatabase: StoreLocation
        /// The notifications worker's targets and routes.
        var notifications: NotificationsConfiguration
        /// The permissions worker's grant store.
        var permissionsDatabase: StoreLocation
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
            auditDatabase = .sqlite(dataDirectory.appendingPathComponent("audit.sqlite").path)
            notifications = NotificationsConfiguration(dataDirectory: dataDirectory)
            permissionsDatabase = .sqlite(dataDirectory.appendingPathComponent("permissions.sqlite").path)
            permissions = PermissionsConfiguration()
        }
    }

    /// The named built-in workers, and the services their stores need running (PostgreSQL's pools).
    struct Made {
        var workers: [any SignupWorker]
        var stores: [any Service]
    }

    /// Makes the named built-in workers.
    ///
    /// - Throws: ``UnknownWorker`` naming the unknown name and the known ones, or a worker's
    ///   configuration error.
    static func make(_ names: [String], _ inputs: Inputs, logger: Logger) throws -> Made {
        var made = Made(workers: [], stores: [])
        for name in names {
            switch name {
            case "audit":
                let store = try Stores.audit(inputs.auditDatabase, logger: logger)
                if let service = store as? any Service { made.stores.append(service) }
                made.workers.append(AuditWorker(store: store))
            case "notifications": made.workers.append(try NotificationsWorker(configuration: inputs.notifications))
            case "permissions":
                let store = try Stores.grants(inputs.permissionsDatabase, logger: logger)
                if let service = store as? any Service { made.stores.append(service) }
                made.workers.append(PermissionsWorker(configuration: inputs.permissions, store: store))
            default: throw UnknownWorker(name: name)
            }
        }
        return made
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

    /// The services that run the named workers: first the stores that need running, then for each
    /// worker the worker itself when it has a lifecycle (an HTTP client to close), then its runner, so
    /// that the runner stops first and the stores last.
    static func services(
        _ names: [String],
        _ inputs: Inputs,
        configuration: WorkerConfiguration,
        topics: any KafkaTopicCreating,
        logger: Logger
    ) throws -> [any Service] {
        let made = try make(names, inputs, logger: logger)
        return made.stores
            + made.workers.flatMap { worker -> [any Service] in
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
