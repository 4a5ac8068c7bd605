import GatehouseKafka
import GatehouseSignup
import GatehouseWorkers
import Logging
import ServiceLifecycle

/// The workers Gatehouse ships, by name.
enum BuiltInWorkers {
    /// Every built-in worker's name, in the order `dev` starts them.
    static let names = ["audit", "notifications"]

    /// What the built-in workers are configured with.
    struct Inputs {
        var auditDatabase: String
        var notifications: NotificationsConfiguration

        init(auditDatabase: String, notifications: NotificationsConfiguration) {
            self.auditDatabase = auditDatabase
            self.notifications = notifications
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
