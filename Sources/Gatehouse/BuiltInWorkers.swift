import GatehouseWorkers

/// The workers Gatehouse ships, by name.
enum BuiltInWorkers {
    /// Every built-in worker's name, in the order `dev` starts them.
    static let names = ["audit"]

    /// Makes the named built-in workers.
    ///
    /// - Throws: `UnknownWorker` naming the unknown name and the known ones.
    static func make(_ names: [String], auditDatabase: String) throws -> [any SignupWorker] {
        try names.map { name in
            switch name {
            case "audit": AuditWorker(store: try SQLiteAuditStore(path: auditDatabase))
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
