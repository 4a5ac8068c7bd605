import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseSettings
import GatehouseTestSupport
import GatehouseWorkers
import Testing

@Suite struct SettingsTests {
    static func write(_ yaml: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("settings") + ".yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func theExampleConfigurationIsValid() async throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ops/gatehouse.example.yaml")
        let settings = try await GatehouseSettings.load(path: example.path, environment: [:])
        #expect(settings.gateway.durability == .local)
        #expect(settings.kafka.bootstrapServers == ["kafka-1:9092", "kafka-2:9092"])
        #expect(settings.gateway.topic == "gatehouse.signups.v1")
    }

    @Test func everyBadKeyIsNamedAtOnce() async throws {
        let path = try Self.write(
            """
            gateway:
              prot: 8080
              port: 99999
              max_body_bytes: lots
            durability:
              mode: fast
            kafka:
              bootstrap_servers: [a:9092]
            auth:
              connectors:
                basic: ["no-colon-here"]
            surprise: true
            """
        )
        let error = await #expect(throws: ConfigurationProblems.self) { try await GatehouseSettings.load(path: path, environment: [:]) }
        let problems = try #require(error?.problems)
        #expect(problems.contains("gateway.prot: unknown key (did you mean 'gateway.port'?)"))
        #expect(problems.contains("gateway.port: 99999 is out of range; expected 0...65535"))
        #expect(problems.contains { $0.hasPrefix("gateway.max_body_bytes: must be an integer") })
        #expect(problems.contains("durability.mode: 'fast' is not one of local, kafka, none"))
        #expect(problems.contains("auth.connectors.basic[0]: must be user:password"))
        #expect(problems.contains("surprise: unknown key"))
        #expect(!problems.joined().contains("no-colon-here"), "a credential is never echoed")
    }

    /// Only `kafka` durability makes answers wait for the brokers, so only there is the batching delay
    /// kept short by default; a configured one is used as it is.
    @Test(arguments: [("kafka", nil, 1), ("local", nil, 5), ("none", nil, 5), ("kafka", 3, 3), ("none", 0, 0)] as [(String, Int?, Int)])
    func lingerDefaultsFollowTheDurability(mode: String, configured: Int?, expected: Int) async throws {
        let linger = configured.map { ", linger_ms: \($0)" } ?? ""
        let path = try Self.write("durability: {mode: \(mode)}\nkafka: {bootstrap_servers: [a:9092]\(linger)}\n")
        let settings = try await GatehouseSettings.load(path: path, environment: [:])
        #expect(settings.kafka.linger == .milliseconds(expected))
    }

    @Test func environmentVariablesOverrideTheFile() async throws {
        let path = try Self.write("gateway: {port: 8080}\nkafka: {bootstrap_servers: [a:9092]}\n")
        let settings = try await GatehouseSettings.load(
            path: path,
            environment: [
                "GATEHOUSE_GATEWAY_PORT": "9000", "GATEHOUSE_KAFKA_BOOTSTRAP_SERVERS": "b:9092,c:9092",
                "GATEHOUSE_AUTH_CONNECTORS_BASIC": "entra:one,entra:two",
            ]
        )
        #expect(settings.gateway.port == 9000)
        #expect(settings.kafka.bootstrapServers == ["b:9092", "c:9092"])
        #expect(settings.gateway.connectorCredentials.count == 2)
    }

    @Test func missingBootstrapServersAndBrokenYAMLAreReported() async throws {
        let empty = try Self.write("gateway: {port: 8080}\n")
        let missing = await #expect(throws: ConfigurationProblems.self) { try await GatehouseSettings.load(path: empty, environment: [:]) }
        #expect(missing?.problems.first?.hasPrefix("kafka.bootstrap_servers: required") == true)
        let broken = try Self.write("gateway: [unclosed\n")
        let invalid = await #expect(throws: ConfigurationProblems.self) { try await GatehouseSettings.load(path: broken, environment: [:]) }
        #expect(invalid?.problems.first?.contains("not valid YAML") == true)
    }

    @Test func checkConfigExitsNonZeroAndNamesTheKey() throws {
        let path = try Self.write("gateway: {port: nope}\nkafka: {bootstrap_servers: [a:9092]}\n")
        let output = try ChildProcess.run(
            ExternalTools.gatehouse(), arguments: ["check-config", path], allowFailure: true, includeStandardError: true)
        #expect(output.contains("gateway.port: must be an integer between 0 and 65535"))
    }
}

@Suite struct WorkerSettingsTests {
    @Test func theWorkersSectionConfiguresRetriesTopicsAndNotifications() async throws {
        let path = try SettingsTests.write(
            """
            kafka: {bootstrap_servers: [k:9092], topic: signups}
            durability: {data_dir: /tmp/gatehouse-settings-test}
            workers:
              retry_delays_seconds: [2, 20]
              concurrency: 8
              topic_prefix: acme
              notifications:
                targets:
                  crm: {webhook: "https://crm.example.com/hooks", secrets_env: CRM_SECRETS, timeout_seconds: 3}
                  archive: {file: /tmp/archive.jsonl}
                routes:
                  - {decisions: [continue], targets: [crm, archive]}
            """)
        let settings = try await GatehouseSettings.load(path: path, environment: ["CRM_SECRETS": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        #expect(settings.workers.retryDelays == [.seconds(2), .seconds(20)])
        #expect(settings.workers.maxAttempts == 3)
        #expect(settings.workers.concurrency == 8)
        #expect(settings.workers.sourceTopics == ["signups"])
        #expect(settings.workers.deadLetterTopic(worker: "audit") == "acme.audit.dlq")
        #expect(settings.auditDatabase.sqlitePath == "/tmp/gatehouse-settings-test/audit.sqlite")
        #expect(settings.notifications.targets.keys.sorted() == ["archive", "crm"])
        #expect(settings.notifications.routes.first?.targets == ["crm", "archive"])
        #expect(settings.notifications.routes.first?.decisions == ["continue"])
    }

    @Test func badWorkerAndNotificationKeysAreNamed() async throws {
        let path = try SettingsTests.write(
            """
            kafka: {bootstrap_servers: [k:9092]}
            workers:
              retry_delays_seconds: [soon]
              notifications:
                targets:
                  crm: {webhook: "not a url", colour: red}
                  signed: {webhook: "https://x.example/h", secrets: [not-a-secret-value]}
                routes:
                  - {targets: [nowhere]}
            """)
        let problems = await #expect(throws: ConfigurationProblems.self) { try await GatehouseSettings.load(path: path, environment: [:]) }
        let text = problems?.problems.joined(separator: "\n") ?? ""
        #expect(text.contains("workers.retry_delays_seconds: must be a list of whole seconds"))
        #expect(text.contains("workers.notifications.targets.crm.colour: unknown key"))
        #expect(text.contains("workers.notifications.targets.crm: needs webhook (an http or https URL) or file"))
        #expect(text.contains("workers.notifications.targets.signed.secrets[0]: not a Standard Webhooks secret"))
        #expect(!text.contains("not-a-secret-value"))
        #expect(text.contains("workers.notifications.routes[0].targets: no target named 'nowhere'"))
    }
}
