import Foundation
import GatehouseRules
import GatehouseSettings
import GatehouseSignup
import GatehouseTestSupport
import Testing

/// Rules through the configuration and the command line: check-config, `rules test`, and a reload on
/// SIGHUP in a running `gatehouse dev`, with its metrics.
@Suite struct RulesCommandTests {
    private static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("rules-cli"))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Starts `gatehouse dev` on a free port with data under `folder` and Basic `entra:pw`, and returns
    /// it with the URL it prints.
    private static func startDev(in folder: URL, _ arguments: [String] = []) async throws -> (ChildProcess, String) {
        let gateway = try ChildProcess.start(
            ExternalTools.gatehouse(),
            arguments: [
                "dev", "--port", "0", "--data-dir", folder.appendingPathComponent("data").path, "--basic-auth", "entra:pw",
                "--log-level", "error",
            ] + arguments
        )
        do {
            let base = try await withDeadline(.seconds(60), "the dev gateway to print its URL") {
                while true {
                    let line = try gateway.readLine()
                    if let range = line.range(of: "http://") { return String(line[range.lowerBound...]) }
                }
            }
            return (gateway, base)
        } catch {
            gateway.terminate()
            throw error
        }
    }

    private static func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    private static let blockSpam = """
        rules:
          - id: no-spam
            when: {email_domain: [spam.example]}
            block: {en: No spam., fr: Pas de spam.}
        """

    @Test func rulesInTheConfigurationOrAFileItNamesAreLoaded() async throws {
        let folder = try Self.folder()
        let inline = try Self.write(
            "kafka: {bootstrap_servers: [k:9092]}\n"
                + Self.blockSpam.replacingOccurrences(of: "\n", with: "\n  ").replacingOccurrences(
                    of: "rules:\n  ", with: "rules:\n  rules:\n  "), "inline.yaml", in: folder)
        let settings = try await GatehouseSettings.load(path: inline, environment: [:])
        #expect(settings.rules?.loaded.ruleSet.rules.map(\.id) == ["no-spam"])
        #expect(settings.rules?.source == RuleSource(path: inline, section: "rules"))

        _ = try Self.write(Self.blockSpam, "signup-rules.yaml", in: folder)
        let named = try Self.write("kafka: {bootstrap_servers: [k:9092]}\nrules: {file: signup-rules.yaml}\n", "named.yaml", in: folder)
        let loaded = try await GatehouseSettings.load(path: named, environment: [:])
        #expect(loaded.rules?.loaded.ruleSet.rules.map(\.id) == ["no-spam"])
        // The rules file and the configuration naming it are both watched.
        #expect(loaded.rules?.loaded.files.count == 2)
    }

    @Test func checkConfigReportsEveryBadRuleAndExitsNonZero() async throws {
        let folder = try Self.folder()
        let path = try Self.write(
            """
            kafka: {bootstrap_servers: [k:9092]}
            gateway: {port: nope}
            rules:
              rules:
                - {id: bad, when: {attribute: city, matches: "["}, block: x}
                - {id: early, steps: [preTokenIssuance], reject: {attributes: {city: x}}}
            """, "config.yaml", in: folder)
        let problems = await #expect(throws: ConfigurationProblems.self) { try await GatehouseSettings.load(path: path, environment: [:]) }
        #expect(problems?.problems.count == 3)
        let output = try ChildProcess.run(
            ExternalTools.gatehouse(), arguments: ["check-config", path], allowFailure: true, includeStandardError: true)
        #expect(output.contains("gateway.port: must be an integer"))
        #expect(output.contains("config.yaml:5: rules.rules[0] (bad).when.matches: invalid regular expression '['"))
        #expect(output.contains("config.yaml:6: rules.rules[1] (early).steps: reject is not allowed at preTokenIssuance"))
    }

    @Test func rulesTestPrintsTheDecisionAndTheExactAnswer() throws {
        let folder = try Self.folder()
        let rules = try Self.write(Self.blockSpam, "rules.yaml", in: folder)
        let request = try Self.write(#"{"email":"a@spam.example","ui_locales":"fr-FR"}"#, "request.json", in: folder)
        let text = try ChildProcess.run(
            ExternalTools.gatehouse(),
            arguments: ["rules", "test", "--rules", rules, "--request", request, "--step", "postFederationSignup"])
        #expect(text.contains("Decision: block (rule no-spam)"))
        #expect(text.contains(#"{"action":"ShowBlockPage","userMessage":"Pas de spam.","version":"1.0.0"}"#))

        let json = try ChildProcess.run(
            ExternalTools.gatehouse(),
            arguments: ["rules", "test", "--rules", rules, "--request", request, "--step", "PostAttributeCollection", "--json"])
        let output = try JSONValue.parse(Array(json.utf8))
        #expect(output["step"] == "postAttributeCollection")
        #expect(output["decision"]?["rules"] == .array(["no-spam"]))
        #expect(output["status"] == .int(200))
        #expect(output["response"]?["action"] == "ShowBlockPage")

        let broken = try Self.write("rules: [{id: x, frobnicate: y}]", "broken.yaml", in: folder)
        let failure = try ChildProcess.run(
            ExternalTools.gatehouse(), arguments: ["rules", "test", "--rules", broken, "--request", request], allowFailure: true,
            includeStandardError: true)
        #expect(failure.contains("rules[0] (x).frobnicate: unknown key"))
    }

    /// SIGHUP's default action ends a process; a gateway without rules has nothing to reload and must
    /// carry on. Had the signal ended it, the exit status would not be the graceful 0.
    @Test func aGatewayWithoutRulesOutlivesSIGHUP() async throws {
        let (gateway, base) = try await Self.startDev(in: try Self.folder())
        defer { gateway.terminate() }
        gateway.hangUp()
        let health = try await HTTPTestClient.get(try #require(URL(string: "\(base)/healthz")))
        #expect(health.status == 200)
        gateway.interrupt()
        #expect(gateway.waitForExit() == 0)
    }

    @Test func aRunningGatewayReloadsItsRulesOnSIGHUP() async throws {
        let folder = try Self.folder()
        // A long interval, so only the signal can cause the reload.
        let rules = try Self.write("reload_interval_seconds: 3600\nrules: []\n", "rules.yaml", in: folder)
        let (gateway, base) = try await Self.startDev(in: folder, ["--rules", rules])
        defer { gateway.terminate() }
        let url = try #require(URL(string: "\(base)/v1/connectors/post-federation-signup"))
        let before = try await HTTPTestClient.post(url, json: #"{"email":"a@spam.example"}"#, user: "entra", password: "pw")
        #expect(before.body.contains("Continue"))

        _ = try Self.write("reload_interval_seconds: 3600\n" + Self.blockSpam, "rules.yaml", in: folder)
        gateway.hangUp()
        try await waitUntil("the reloaded rules to block", limit: .seconds(30)) {
            // A new address each time: a repeated body within the retry window gets the first answer again.
            let answer = try await HTTPTestClient.post(url, json: #"{"email":"\#(UUID())@spam.example"}"#, user: "entra", password: "pw")
            return answer.body.contains("ShowBlockPage")
        }
        // Decisions are counted by action and deciding rule, and every rule that fired is counted.
        let metrics = try await HTTPTestClient.get(try #require(URL(string: "\(base)/metrics")))
        #expect(metrics.body.contains(#"gatehouse_signup_rule_decisions_total{action="block",rule="no-spam"}"#))
        // (Continue at least once: before the reload, and for any attempt the signal had not yet reached.)
        #expect(metrics.body.contains(#"gatehouse_signup_rule_decisions_total{action="continue",rule="none"}"#))
        #expect(metrics.body.contains(#"gatehouse_rules_fired_total{rule="no-spam"}"#))
        #expect(metrics.body.contains("gatehouse_rules_healthy 1"))
        // Request latency has buckets below a millisecond and at the strictest caller's 200 ms budget.
        let buckets = metrics.body.split(separator: "\n").filter { $0.hasPrefix("gatehouse_http_request_duration_seconds_bucket{") }
        #expect(buckets.contains { $0.contains(#"le="0.00025""#) })
        #expect(buckets.contains { $0.contains(#"le="0.2""#) })
        #expect(metrics.body.contains(#"gatehouse_outbox_commit_seconds_bucket{le="0.0001"}"#))
        gateway.interrupt()
        #expect(gateway.waitForExit() == 0)
    }
}
