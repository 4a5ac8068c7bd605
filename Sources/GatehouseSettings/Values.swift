import Configuration
import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseWorkers

/// Typed reads of present keys, each failure recorded as a problem naming the key.
struct Values {
    let reader: ConfigReader
    let present: Set<String>

    func string(_ path: String, _ problems: inout [String]) -> String? {
        guard present.contains(path) else { return nil }
        do {
            return try reader.requiredString(forKey: ConfigKey(path))
        } catch {
            problems.append("\(path): must be a string")
            return nil
        }
    }

    func integer(_ path: String, _ problems: inout [String]) -> Int? {
        guard present.contains(path), case .integer(let range)? = SettingsKey.byPath[path]?.kind else { return nil }
        do {
            let value = try reader.requiredInt(forKey: ConfigKey(path))
            guard range.contains(value) else {
                problems.append("\(path): \(value) is out of range; expected \(range.lowerBound)...\(range.upperBound)")
                return nil
            }
            return value
        } catch {
            problems.append("\(path): must be an integer between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
    }

    func boolean(_ path: String, _ problems: inout [String]) -> Bool? {
        guard present.contains(path) else { return nil }
        do {
            return try reader.requiredBool(forKey: ConfigKey(path))
        } catch {
            problems.append("\(path): must be true or false")
            return nil
        }
    }

    func choice(_ path: String, _ problems: inout [String]) -> String? {
        guard let value = string(path, &problems), case .oneOf(let choices)? = SettingsKey.byPath[path]?.kind else { return nil }
        guard choices.contains(value) else {
            problems.append("\(path): '\(value)' is not one of \(choices.joined(separator: ", "))")
            return nil
        }
        return value
    }

    func list(_ path: String, _ problems: inout [String]) -> [String]? {
        guard present.contains(path) else { return nil }
        if let values = reader.stringArray(forKey: ConfigKey(path)) { return values }
        if let single = reader.string(forKey: ConfigKey(path)) {
            return single.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        problems.append("\(path): must be a list of strings")
        return nil
    }

    /// A store's location: a PostgreSQL URL, or a SQLite file's path. A bad URL is named by its key,
    /// and the problem never repeats its password.
    func store(_ path: String, _ problems: inout [String]) -> StoreLocation? {
        guard let text = string(path, &problems) else { return nil }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            problems.append("\(path): must be a SQLite file's path or a postgres:// URL")
            return nil
        }
        do {
            return try StoreLocation(text)
        } catch {
            problems.append("\(path): \(error)")
            return nil
        }
    }

    /// `basic` entries and the lines of `basic_file`, each `user:password`. Problems never echo a password.
    func credentials(_ section: String, _ problems: inout [String]) -> [BasicCredential] {
        var entries: [(String, String)] = []
        for (index, entry) in (list("\(section).basic", &problems) ?? []).enumerated() {
            entries.append(("\(section).basic[\(index)]", entry))
        }
        if let file = string("\(section).basic_file", &problems) {
            do {
                let lines = try String(contentsOfFile: file, encoding: .utf8).split(whereSeparator: \.isNewline)
                for (index, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                    entries.append(("\(section).basic_file line \(index + 1)", line.trimmingCharacters(in: .whitespaces)))
                }
            } catch {
                problems.append("\(section).basic_file: cannot read \(file)")
            }
        }
        return entries.compactMap { where_, entry in
            guard let credential = BasicCredential(entry) else {
                problems.append("\(where_): must be user:password")
                return nil
            }
            return credential
        }
    }
}

extension Values {
    /// `auth.extensions.jwt`, when any of its keys is present.
    func bearer(_ problems: inout [String]) -> BearerConfiguration? {
        let prefix = "auth.extensions.jwt."
        guard present.contains(where: { $0.hasPrefix(prefix) }) else { return nil }
        let file = string(prefix + "jwks_file", &problems)
        let url = string(prefix + "jwks_url", &problems)
        let source: BearerConfiguration.KeySource
        switch (file, url) {
        case (let file?, nil): source = .file(file)
        case (nil, let url?): source = .url(url)
        default:
            problems.append("\(prefix)jwks_file / jwks_url: exactly one is required")
            return nil
        }
        guard let audience = string(prefix + "audience", &problems) else {
            problems.append("\(prefix)audience: required (the extension's app registration id)")
            return nil
        }
        let issuers = list(prefix + "issuers", &problems) ?? []
        if issuers.isEmpty {
            problems.append("\(prefix)issuers: required, for example [\"https://login.microsoftonline.com/<tenantId>/v2.0\"]")
            return nil
        }
        var configuration = BearerConfiguration(keys: source, audience: audience, issuers: issuers)
        if let party = string(prefix + "authorized_party", &problems) { configuration.authorizedParty = party }
        if let seconds = integer(prefix + "refresh_seconds", &problems) { configuration.refreshInterval = .seconds(seconds) }
        return configuration
    }
}

extension Values {
    /// The `workers` section, on top of Kafka's and the data directory's settings.
    func workers(kafka: KafkaProducerConfiguration, topic: String, dataDirectory: URL, _ problems: inout [String]) -> WorkerConfiguration {
        var workers = WorkerConfiguration(bootstrapServers: kafka.bootstrapServers)
        workers.sourceTopics = [topic]
        workers.dataDirectory = dataDirectory
        workers.properties = kafka.properties
        if let delays = list("workers.retry_delays_seconds", &problems) {
            let seconds = delays.map { Int($0) }
            if seconds.isEmpty || seconds.contains(where: { $0 == nil || $0! < 0 }) {
                problems.append("workers.retry_delays_seconds: must be a list of whole seconds, such as [1, 10, 60, 600]")
            } else {
                workers.retryDelays = seconds.map { .seconds($0!) }
                workers.maxAttempts = seconds.count + 1
            }
        }
        if let attempts = integer("workers.max_attempts", &problems) { workers.maxAttempts = attempts }
        if let concurrency = integer("workers.concurrency", &problems) { workers.concurrency = concurrency }
        if let interval = integer("workers.commit_interval_ms", &problems) { workers.commitInterval = .milliseconds(interval) }
        if let prefix = string("workers.topic_prefix", &problems) { workers.topicPrefix = prefix }
        if let outcomes = string("workers.outcomes_topic", &problems) { workers.outcomesTopic = outcomes.isEmpty ? nil : outcomes }
        return workers
    }
}

extension ConfigKey {
    init(_ dotted: String) {
        self.init(dotted.split(separator: ".").map(String.init))
    }
}
