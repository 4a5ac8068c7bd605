import Foundation
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Testing

@Suite struct NotificationsFileTests {
    /// The lines of a file, parsed; none while it does not exist.
    static func lines(_ path: URL) throws -> [JSONValue] {
        guard let text = try? String(contentsOf: path, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { try JSONValue.parse(Array($0.utf8)) }
    }

    @Test func withNoRoutesEveryEventIsAppendedToTheDefaultJSONLinesFile() async throws {
        try await TestFixtures.withCluster { cluster in
            let workers = WorkerFixture.configuration(cluster)
            let worker = try NotificationsWorker(configuration: NotificationsConfiguration(dataDirectory: workers.dataDirectory))
            let path = workers.dataDirectory.appendingPathComponent("notifications.jsonl")
            let users = ["ada@example.com", "bob@example.com", "cy@example.com"]
            try await NotificationsFixture.publish(
                cluster, topic: workers.sourceTopics[0], users.enumerated().map { ("evt-\($0)", $1, NotificationsFixture.signupData($1)) })
            try await NotificationsFixture.withWorker(worker, workers, cluster) {
                try await waitUntil("three lines") { try Self.lines(path).count == 3 }
            }
            let text = try String(contentsOf: path, encoding: .utf8)
            #expect(text.hasSuffix("\n"))
            let lines = try Self.lines(path)
            #expect(Set(lines.compactMap { $0["id"]?.stringValue }) == ["evt-0", "evt-1", "evt-2"])
            for line in lines {
                #expect(line["specversion"] == .string("1.0"))
                #expect(line["type"] == .string(SignupEvent.type))
                #expect(line["datacontenttype"] == .string("application/json"))
                #expect(line["time"] == .string("2026-11-20T10:00:00.000Z"))
                let subject = try #require(line["subject"]?.stringValue)
                #expect(users.contains(subject))
                #expect(line["data"]?["claims"]?["email"] == .string(subject))
            }
        }
    }

    @Test func routesPickEventsAndATemplateShapesTheLine() async throws {
        try await TestFixtures.withCluster { cluster in
            let workers = WorkerFixture.configuration(cluster)
            let blocked = workers.dataDirectory.appendingPathComponent("blocked.jsonl")
            var configuration = NotificationsConfiguration(dataDirectory: workers.dataDirectory)
            configuration.targets["blocked"] = .file(
                FileTarget(
                    path: blocked,
                    template: try NotificationTemplate(
                        """
                        {
                          "who": "{{data.claims.email}}",
                          "step": "{{data.step}}"
                        }
                        """)))
            configuration.routes = [NotificationRoute(decisions: ["block"], steps: ["postAttributeCollection"], targets: ["blocked"])]
            let worker = try NotificationsWorker(configuration: configuration)
            try await NotificationsFixture.publish(
                cluster, topic: workers.sourceTopics[0],
                [
                    ("evt-a", "ok@example.com", NotificationsFixture.signupData("ok@example.com")),
                    (
                        "evt-b", "early@example.com",
                        NotificationsFixture.signupData("early@example.com", action: "block", step: "postFederationSignup")
                    ),
                    ("evt-c", "bad@example.com", NotificationsFixture.signupData("bad@example.com", action: "block")),
                ])
            try await NotificationsFixture.withWorker(worker, workers, cluster) {
                _ = try await NotificationsFixture.outcomes(cluster, workers, count: 3)
            }
            #expect(try Self.lines(blocked) == [.object(["who": .string("bad@example.com"), "step": .string("postAttributeCollection")])])
            #expect(!FileManager.default.fileExists(atPath: workers.dataDirectory.appendingPathComponent("notifications.jsonl").path))
        }
    }
}
