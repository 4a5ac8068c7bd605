import Foundation
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Logging
import Synchronization
import Testing

/// A worker that fails permanently until it is fixed.
final class FixableWorker: SignupWorker, Sendable {
    let name = TestFixtures.unique("fixable")
    let eventTypes: Set<String> = [SignupEvent.type]
    private let state = Mutex<(fixed: Bool, effects: [String])>((false, []))

    func fix() { state.withLock { $0.fixed = true } }
    var effects: [String] { state.withLock { $0.effects } }

    func handle(_ event: WorkerEvent, context: WorkerContext) async throws {
        try state.withLock { state in
            guard state.fixed else { throw PermanentFailure("the target answered 400") }
            state.effects.append(event.id)
        }
    }
}

@Suite struct DeadLetterTests {
    @Test func deadLettersCanBeListedAndRedrivenToTheirWorkerOnce() async throws {
        try await TestFixtures.withCluster { cluster in
            let configuration = WorkerFixture.configuration(cluster)
            let worker = FixableWorker()
            let deadLetters = DeadLetters(configuration: configuration, worker: worker.name)
            try await WorkerFixture.publish(cluster, topic: configuration.sourceTopics[0], [(id: "bounced", user: "a@example.com")])
            try await WorkerFixture.withRunner(worker, configuration, cluster) {
                try await waitUntil("the event dead-lettered") { try await deadLetters.list(logger: TestFixtures.logger("dlq")).count == 1 }
                let letter = try #require(try await deadLetters.list(logger: TestFixtures.logger("dlq")).first)
                #expect(letter.eventID == "bounced")
                #expect(letter.error == "the target answered 400")
                #expect(letter.isPermanent)
                #expect(letter.origin.hasPrefix(configuration.sourceTopics[0] + "/"))

                // The CLI reads the same dead letters.
                let listed = try ChildProcess.run(
                    ExternalTools.gatehouse(),
                    arguments: [
                        "dlq", "list", "--worker", worker.name, "--bootstrap", cluster.bootstrapServers, "--topic-prefix",
                        configuration.topicPrefix, "--json",
                    ])
                #expect(listed.contains(#""eventId":"bounced""#))

                worker.fix()
                try await deadLetters.redrive([letter], logger: TestFixtures.logger("dlq"))
                try await waitUntil("the redriven event handled") { worker.effects == ["bounced"] }
                // Redriving again does no harm: the worker's records pass over a completed event.
                try await deadLetters.redrive([letter], logger: TestFixtures.logger("dlq"))
                let outcomes = try #require(configuration.outcomesTopic)
                try await waitUntil("the second redrive seen as a duplicate") {
                    try await TestFixtures.readTopic(cluster, topic: outcomes, count: 3).contains {
                        $0.valueString?.contains(#""status":"duplicate""#) == true
                    }
                }
            }
            #expect(worker.effects == ["bounced"])
        }
    }
}
