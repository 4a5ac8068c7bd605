import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite struct DurabilityTests {
    /// A gateway in a child process answers while the broker is down (so nothing can be published yet),
    /// is killed with SIGKILL, and a new gateway on the same data folder publishes every answered sign-up.
    @Test func everyAnsweredSignupReachesKafkaAfterAKill() async throws {
        let topic = TestFixtures.unique("crash")
        let total = 40
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 4)]) { cluster in
            let data = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("crash-data"))
            defer { try? FileManager.default.removeItem(at: data) }
            let config = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("crash") + ".yaml")
            defer { try? FileManager.default.removeItem(at: config) }
            try """
            gateway: {host: 127.0.0.1, port: 0, instance: crash-test}
            durability: {mode: local, data_dir: "\(data.path)"}
            kafka: {bootstrap_servers: ["\(cluster.bootstrapServers)"], topic: \(topic)}
            auth: {connectors: {basic: ["entra:pw"]}}
            """.write(to: config, atomically: true, encoding: .utf8)

            let first = try ChildProcess.start(
                ExternalTools.gatehouse(), arguments: ["serve", "--config", config.path, "--log-level", "error"])
            defer { first.terminate() }
            let url = try await withDeadline(.seconds(60), "the first gateway to listen") { try first.readLine() }
            cluster.setBrokerDown()
            for index in 0..<total {
                let answer = try await HTTPTestClient.post(
                    URL(string: "\(url)/v1/connectors/post-attribute-collection")!,
                    json: #"{"email":"user\#(index)@example.com"}"#, user: "entra", password: "pw"
                )
                #expect(answer.status == 200)
            }
            // Nothing can be published, and the metrics say so: the oldest record's age keeps rising while
            // the publisher waits, and the outbox's capacity is there to compare the depth with.
            let metricsURL = try #require(URL(string: "\(url)/metrics"))
            @Sendable func gauge(_ name: String) async throws -> Double? {
                let body = try await HTTPTestClient.get(metricsURL).body
                return body.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { $0.split(separator: " ").last }
                    .flatMap { Double($0) }
            }
            try await waitUntil("the oldest record's age to pass 2 s", limit: .seconds(30)) {
                try await gauge("gatehouse_outbox_oldest_age_seconds") ?? 0 >= 2
            }
            #expect(try await gauge("gatehouse_outbox_capacity_records") == 1_000_000)
            #expect(try await gauge("gatehouse_outbox_depth") == Double(total))
            first.kill()
            #expect(first.waitForExit() != 0)
            cluster.setBrokerUp()

            let second = try ChildProcess.start(
                ExternalTools.gatehouse(), arguments: ["serve", "--config", config.path, "--log-level", "error"])
            defer { second.terminate() }
            _ = try await withDeadline(.seconds(60), "the second gateway to listen") { try second.readLine() }
            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: total, limit: .seconds(60))
            #expect(Set(messages.compactMap(\.keyString)) == Set((0..<total).map { "user\($0)@example.com" }))
            second.interrupt()
            #expect(second.waitForExit() == 0)
        }
    }

    /// With the broker down, answers keep coming; once it is back every event is published, each user's
    /// events in the order they were answered.
    @Test func answersContinueThroughABrokerOutageAndOrderIsKept() async throws {
        try await GatewayFixture.withGateway { client, cluster, topic in
            cluster.setBrokerDown()
            for sequence in 0..<10 {
                for user in 0..<3 {
                    let body = #"{"email":"user\#(user)@example.com","extension_0a1b_Sequence":\#(sequence)}"#
                    // The broker stays down for the whole loop, so any answer at all proves the request path
                    // does not wait for it. The deadline is generous because CI runs every suite at once on
                    // two cores; latency under load is measured by bench/gateway.sh, not here.
                    let response = try await withDeadline(.seconds(10), "an answer while the broker is down") {
                        try await GatewayFixture.post(client, "/v1/connectors/post-attribute-collection", body)
                    }
                    #expect(response.status == .ok)
                }
            }
            cluster.setBrokerUp()
            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: 30, limit: .seconds(60))
            var sequences: [String: [Int64]] = [:]
            for message in messages {
                let data = try JSONValue.parse(message.value ?? [])
                guard case .int(let sequence)? = data["claims"]?["custom"]?["extension_0a1b_Sequence"] else { continue }
                sequences[message.keyString ?? "", default: []].append(sequence)
            }
            #expect(sequences.count == 3)
            for (user, order) in sequences { #expect(order == Array(0..<10), "\(user) out of order") }
        }
    }

    @Test func aFullOutboxFollowsTheBlockPolicyAndSaysSoOnReadyz() async throws {
        try await GatewayFixture.withGateway(configure: {
            $0.outboxMaxRecords = 2
            $0.onUnavailable = .block
        }) { client, cluster, _ in
            cluster.setBrokerDown()
            for index in 0..<2 {
                let response = try await GatewayFixture.post(
                    client, "/v1/connectors/post-attribute-collection", #"{"email":"f\#(index)@example.com"}"#)
                #expect(response.text == #"{"action":"Continue","version":"1.0.0"}"#)
            }
            let refused = try await GatewayFixture.post(client, "/v1/connectors/post-attribute-collection", #"{"email":"f9@example.com"}"#)
            #expect(refused.status == .ok)
            #expect(try GatewayFixture.json(refused)["action"] == "ShowBlockPage")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.text.contains("over its size"))
            cluster.setBrokerUp()
        }
    }
}
