import Configuration
public import Foundation
public import GatehouseGateway
public import GatehouseKafka
public import GatehouseRules
public import GatehouseWorkers
import SystemPackage
import Yams

/// Gatehouse's settings: one YAML file, with environment variables overriding it (env wins).
///
/// Every key is listed in `ops/gatehouse.example.yaml`. An environment variable named `GATEHOUSE_`
/// plus the key in upper case with `_` for `.` overrides the key, for example
/// `GATEHOUSE_GATEWAY_PORT=9000` or `GATEHOUSE_AUTH_CONNECTORS_BASIC=user:password,user2:password2`.
/// Secrets belong in the environment or in the files the `basic_file` keys name, never in logs.
public struct GatehouseSettings: Sendable {
    /// The gateway's configuration.
    public var gateway: GatewayConfiguration
    /// How to reach Kafka.
    public var kafka: KafkaProducerConfiguration
    /// Where the outbox and other SQLite files live.
    public var dataDirectory: URL
    /// The outbox's size limit.
    public var outboxMaxRecords: Int
    /// Where the sign-up rules come from (the `rules` section, or the file it names), and the rules as
    /// loaded; `nil` without a `rules` section, when every sign-up continues.
    public var rules: (source: RuleSource, loaded: LoadedRules)?
    /// How the workers read, retry and record.
    public var workers: WorkerConfiguration
    /// The audit worker's store: a SQLite file, or a PostgreSQL database (`workers.audit.database`).
    public var auditDatabase: StoreLocation
    /// The notifications worker's targets and routes.
    public var notifications: NotificationsConfiguration
    /// What the permissions worker grants, and where it pushes group memberships.
    public var permissions: PermissionsConfiguration
    /// The permissions worker's grant store: a SQLite file, or a PostgreSQL database
    /// (`workers.permissions.database`).
    public var permissionsDatabase: StoreLocation

    /// Loads and validates a configuration file.
    ///
    /// - Throws: ``ConfigurationProblems`` listing every bad key with the reason, all at once.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        async throws(ConfigurationProblems)
        -> GatehouseSettings
    {
        var problems: [String] = []
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationProblems(["\(path): cannot be read (\(error.localizedDescription))"])
        }
        let document: [String: Any]
        do {
            guard let loaded = try Yams.load(yaml: text) else { throw ConfigurationProblems(["\(path): the file is empty"]) }
            guard let mapping = loaded as? [String: Any] else {
                throw ConfigurationProblems(["\(path): the top level must be a mapping of sections"])
            }
            document = mapping
        } catch let problems as ConfigurationProblems {
            throw problems
        } catch {
            throw ConfigurationProblems(["\(path): not valid YAML: \(error)"])
        }
        var present: Set<String> = []
        // Sections of lists of mappings are read from the document itself, by their own readers.
        let scalarDocument = Self.removingRawSections(document)
        Self.flatten(scalarDocument, prefix: "", into: &present, problems: &problems)
        var rules: (source: RuleSource, loaded: LoadedRules)?
        if document["rules"] != nil {
            let source = RuleSource(path: path, section: "rules")
            do {
                rules = (source, try RuleLoader.load(source))
            } catch {
                problems += error.problems
            }
        }

        let overrides = environment.reduce(into: [String: String]()) { result, pair in
            guard let key = SettingsKey.all.first(where: { $0.environmentName == pair.key }) else { return }
            if case .mappings = key.kind { return }
            result[key.environmentName.dropFirst("GATEHOUSE_".count).description] = pair.value
            present.insert(key.path)
        }
        let reader: ConfigReader
        do {
            // swift-configuration's YAML reader takes only lists of scalars; sections with lists of
            // mappings or free maps (rules, notification targets and routes, permission grants, the
            // SCIM group map) are read from the document, so the reader gets a copy of the file
            // without them.
            var settingsPath = path
            if Self.rawSections.contains(where: { Self.value(at: $0, in: document) != nil }) {
                let copy = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-settings-\(UUID().uuidString).yaml")
                try Yams.dump(object: scalarDocument).write(to: copy, atomically: true, encoding: .utf8)
                settingsPath = copy.path
            }
            defer { if settingsPath != path { try? FileManager.default.removeItem(atPath: settingsPath) } }
            reader = ConfigReader(providers: [
                EnvironmentVariablesProvider(environmentVariables: overrides),
                try await FileProvider<YAMLSnapshot>(filePath: FilePath(settingsPath)),
            ])
        } catch {
            throw ConfigurationProblems(["\(path): \(error)"])
        }
        let values = Values(reader: reader, present: present)

        var gateway = GatewayConfiguration()
        gateway.host = values.string("gateway.host", &problems) ?? "0.0.0.0"
        gateway.port = values.integer("gateway.port", &problems) ?? 8080
        gateway.maxBodyBytes = values.integer("gateway.max_body_bytes", &problems) ?? gateway.maxBodyBytes
        gateway.instance = values.string("gateway.instance", &problems) ?? ProcessInfo.processInfo.hostName
        if let seconds = values.integer("gateway.retry_window_seconds", &problems) { gateway.retryWindow = .seconds(seconds) }
        if let mode = values.choice("durability.mode", &problems) { gateway.durability = .init(rawValue: mode) ?? .local }
        if let policy = values.choice("durability.on_unavailable", &problems) {
            gateway.onUnavailable = .init(rawValue: policy) ?? .continue
        }
        gateway.unavailableMessage = values.string("durability.unavailable_message", &problems) ?? gateway.unavailableMessage
        gateway.topic = values.string("kafka.topic", &problems) ?? gateway.topic
        gateway.connectorCredentials = values.credentials("auth.connectors", &problems)
        gateway.extensionCredentials = values.credentials("auth.extensions", &problems)
        gateway.extensionBearer = values.bearer(&problems)
        gateway.tls = values.tls(&problems)
        gateway.connectorClientCertificate = values.boolean("auth.connectors.client_certificate", &problems) ?? false
        // A tls section that is present but unusable has had its own problems listed already.
        let asksForCertificates = gateway.tls.map { $0.clientCertificate != .none } ?? present.contains { $0.hasPrefix("tls.") }
        if gateway.connectorClientCertificate && !asksForCertificates {
            problems.append(
                "auth.connectors.client_certificate: needs HTTPS with client certificates: tls.cert_file, tls.key_file, and tls.client_ca_file or tls.client_fingerprints"
            )
        }

        let servers = values.list("kafka.bootstrap_servers", &problems) ?? []
        if servers.isEmpty { problems.append("kafka.bootstrap_servers: required, for example [\"kafka-1:9092\", \"kafka-2:9092\"]") }
        var kafka = KafkaProducerConfiguration(bootstrapServers: servers)
        kafka.clientID = values.string("kafka.client_id", &problems) ?? "gatehouse"
        kafka.linger = values.integer("kafka.linger_ms", &problems).map { .milliseconds($0) } ?? gateway.durability.defaultLinger
        if let properties = (document["kafka"] as? [String: Any])?["properties"] {
            if let map = properties as? [String: Any] {
                for (key, value) in map { kafka.properties[key] = "\(value)" }
            } else if !(properties is NSNull) {
                problems.append("kafka.properties: must be a mapping of librdkafka property names to values")
            }
        }
        let dataDirectory = URL(fileURLWithPath: values.string("durability.data_dir", &problems) ?? "data")
        let outboxMaxRecords = values.integer("durability.outbox_max_records", &problems) ?? 1_000_000
        gateway.outboxMaxRecords = outboxMaxRecords

        let workers = values.workers(kafka: kafka, topic: gateway.topic, dataDirectory: dataDirectory, &problems)
        let notifications = Self.notifications(
            Self.value(at: ["workers", "notifications"], in: document), dataDirectory: dataDirectory, environment: environment, &problems)
        let auditDatabase =
            values.store("workers.audit.database", &problems) ?? .sqlite(dataDirectory.appendingPathComponent("audit.sqlite").path)
        let permissions = values.permissions(document: document, environment: environment, &problems)
        let permissionsDatabase =
            values.store("workers.permissions.database", &problems)
            ?? .sqlite(dataDirectory.appendingPathComponent("permissions.sqlite").path)

        if !problems.isEmpty { throw ConfigurationProblems(problems) }
        return GatehouseSettings(
            gateway: gateway,
            kafka: kafka,
            dataDirectory: dataDirectory,
            outboxMaxRecords: outboxMaxRecords,
            rules: rules,
            workers: workers,
            auditDatabase: auditDatabase,
            notifications: notifications,
            permissions: permissions,
            permissionsDatabase: permissionsDatabase
        )
    }

    /// Sections read from the document by their own readers, not key by key.
    static let rawSections: [[String]] = [
        ["rules"], ["workers", "notifications"], ["workers", "permissions", "grants"], ["workers", "permissions", "scim", "groups"],
    ]

    static func value(at path: [String], in document: [String: Any]) -> Any? {
        var current: Any? = document
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    static func removingRawSections(_ document: [String: Any]) -> [String: Any] {
        rawSections.reduce(document) { removing($1, from: $0) }
    }

    /// `mapping` without the key at `path`; a mapping left empty goes too.
    private static func removing(_ path: [String], from mapping: [String: Any]) -> [String: Any] {
        guard let first = path.first else { return mapping }
        var mapping = mapping
        if path.count == 1 {
            mapping[first] = nil
        } else if let nested = mapping[first] as? [String: Any] {
            let rest = removing(Array(path.dropFirst()), from: nested)
            mapping[first] = rest.isEmpty ? nil : rest
        }
        return mapping
    }

    /// Collects the dotted paths of every leaf, and names each key Gatehouse does not know.
    private static func flatten(_ mapping: [String: Any], prefix: String, into present: inout Set<String>, problems: inout [String]) {
        for (name, value) in mapping.sorted(by: { $0.key < $1.key }) {
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            if let key = SettingsKey.byPath[path] {
                present.insert(key.path)
                continue
            }
            if let nested = value as? [String: Any], SettingsKey.all.contains(where: { $0.path.hasPrefix(path + ".") }) {
                flatten(nested, prefix: path, into: &present, problems: &problems)
                continue
            }
            let suggestion = SettingsKey.all.map(\.path).min { distance($0, path) < distance($1, path) }
            let hint = suggestion.map { distance($0, path) <= 3 ? " (did you mean '\($0)'?)" : "" } ?? ""
            problems.append("\(path): unknown key\(hint)")
        }
    }

    /// Edit distance, for "did you mean".
    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
