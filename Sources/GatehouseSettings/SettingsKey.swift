import Foundation

/// One configuration key: its dotted path and what it accepts.
struct SettingsKey: Sendable {
    enum Kind: Sendable {
        case string
        case integer(ClosedRange<Int>)
        case oneOf([String])
        case stringList
        case boolean
        /// A map of free-form string keys (librdkafka properties).
        case map
        /// A list of mappings, read from the YAML document itself (the configuration reader takes
        /// lists of scalars only); no environment variable overrides it.
        case mappings
    }

    let path: String
    let kind: Kind

    /// The environment variable that overrides this key: `GATEHOUSE_` and the path in upper case with
    /// `_` for `.`, for example `GATEHOUSE_GATEWAY_PORT` for `gateway.port`.
    var environmentName: String {
        "GATEHOUSE_" + path.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// Every key Gatehouse reads. `ops/gatehouse.example.yaml` documents each.
    static let all: [SettingsKey] = [
        .init(path: "gateway.host", kind: .string),
        .init(path: "gateway.port", kind: .integer(0...65535)),
        .init(path: "gateway.max_body_bytes", kind: .integer(1024...16_777_216)),
        .init(path: "gateway.instance", kind: .string),
        .init(path: "gateway.retry_window_seconds", kind: .integer(1...86_400)),
        .init(path: "durability.mode", kind: .oneOf(["local", "kafka", "none"])),
        .init(path: "durability.on_unavailable", kind: .oneOf(["continue", "block"])),
        .init(path: "durability.unavailable_message", kind: .string),
        .init(path: "durability.data_dir", kind: .string),
        .init(path: "durability.outbox_max_records", kind: .integer(1...100_000_000)),
        .init(path: "kafka.bootstrap_servers", kind: .stringList),
        .init(path: "kafka.topic", kind: .string),
        .init(path: "kafka.client_id", kind: .string),
        .init(path: "kafka.linger_ms", kind: .integer(0...900_000)),
        .init(path: "kafka.properties", kind: .map),
        .init(path: "auth.connectors.basic", kind: .stringList),
        .init(path: "auth.connectors.basic_file", kind: .string),
        .init(path: "auth.connectors.client_certificate", kind: .boolean),
        .init(path: "auth.extensions.basic", kind: .stringList),
        .init(path: "auth.extensions.basic_file", kind: .string),
        .init(path: "auth.extensions.jwt.jwks_file", kind: .string),
        .init(path: "auth.extensions.jwt.jwks_url", kind: .string),
        .init(path: "auth.extensions.jwt.audience", kind: .string),
        .init(path: "auth.extensions.jwt.issuers", kind: .stringList),
        .init(path: "auth.extensions.jwt.authorized_party", kind: .string),
        .init(path: "auth.extensions.jwt.refresh_seconds", kind: .integer(60...86_400)),
        .init(path: "workers.retry_delays_seconds", kind: .stringList),
        .init(path: "workers.max_attempts", kind: .integer(1...100)),
        .init(path: "workers.concurrency", kind: .integer(1...1024)),
        .init(path: "workers.commit_interval_ms", kind: .integer(10...3_600_000)),
        .init(path: "workers.topic_prefix", kind: .string),
        .init(path: "workers.outcomes_topic", kind: .string),
        .init(path: "workers.audit.database", kind: .string),
        .init(path: "tls.cert_file", kind: .string),
        .init(path: "tls.key_file", kind: .string),
        .init(path: "tls.client_certificate", kind: .oneOf(["required", "optional", "none"])),
        .init(path: "tls.client_ca_file", kind: .string),
        .init(path: "tls.client_fingerprints", kind: .stringList),
        .init(path: "workers.permissions.database", kind: .string),
        .init(path: "workers.permissions.grants", kind: .mappings),
        .init(path: "workers.permissions.scim.url", kind: .string),
        .init(path: "workers.permissions.scim.token_env", kind: .string),
        .init(path: "workers.permissions.scim.token_file", kind: .string),
        .init(path: "workers.permissions.scim.groups", kind: .map),
        .init(path: "workers.permissions.scim.member", kind: .string),
        .init(path: "workers.permissions.scim.timeout_seconds", kind: .integer(1...300)),
    ]

    static let byPath: [String: SettingsKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
}
