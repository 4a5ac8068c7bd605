import Foundation
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Testing

@Suite struct WorkerRunnerTests {
    @Test func everyEventIsHandledOnceAndOrderedPerUser() async throws {
        try await TestFixtures.withCluster { cluster in
            let configuration = WorkerFixture.configuration(cluster)
            let events = (0..<60).map { (id: "event-\($0)", user: "user-\($0 % 7)@example.com") }
            try await WorkerFixture.publish(cluster, topic: configuration.sourceTopics[0], events)
            let worker = ScriptedWorker()
            try await WorkerFixture.withRunner(worker, configuration, cluster) {
                try await waitUntil("every event handled") { worker.effects.count >= 60 }
            }
            #expect(worker.effects.count == 60)
            #expect(Set(worker.effects) == Set(events.map(\.id)))
            // Each user's events in the order published.
            for user in 0..<7 {
                let expected = events.filter { $0.user == "user-\(user)@example.com" }.map(\.id)
                #expect(worker.effects.filter(expected.contains) == expected)
            }
        }
    }

    @Test func aFailingEventIsRetriedWithoutBlockingOtherUsers() async throws {
        try await TestFixtures.withCluster { cluster in
            var retrying = WorkerFixture.configuration(cluster, delays: [.milliseconds(200)])
            retrying.maxAttempts = 1000
            let configuration = retrying
            let worker = ScriptedWorker(script: ["flaky": .failUntilReleased])
            try await WorkerFixture.publish(cluster, topic: configuration.sourceTopics[0], [(id: "flaky", user: "ada@example.com")])
            try await WorkerFixture.withRunner(worker, configuration, cluster) {
                try await waitUntil("the first failure") { !worker.attempts("flaky").isEmpty }
                // While it keeps failing and waiting to be retried, other users' events flow.
                try await WorkerFixture.publish(
                    cluster, topic: configuration.sourceTopics[0], (0..<10).map { (id: "other-\($0)", user: "user-\($0)@example.com") })
                try await waitUntil("the others handled") { worker.effects.filter { $0.hasPrefix("other-") }.count == 10 }
                #expect(!worker.effects.contains("flaky"))
                worker.release()
                try await waitUntil("the retries to succeed") { worker.effects.contains("flaky") }
            }
            #expect(worker.effects.filter { $0 == "flaky" }.count == 1)
            let attempts = worker.attempts("flaky")
            #expect(attempts == Array(1...attempts.count))
            #expect(attempts.count >= 2)
            let outcomes = try await TestFixtures.readTopic(
                cluster, topic: try #require(configuration.outcomesTopic), count: 10 + attempts.count)
            for record in outcomes.prefix(3) { try SchemaValidator.expectValid("worker-outcome.v1.schema.json", record.value ?? []) }
            let flaky = outcomes.compactMap { try? WorkerOutcome(json: JSONValue.parse($0.value ?? [])) }.filter { $0.eventID == "flaky" }
            #expect(flaky.map(\.status) == Array(repeating: .retrying, count: attempts.count - 1) + [.done])
            #expect(flaky.map(\.attempt) == attempts)
        }
    }

    @Test func permanentFailuresAndExhaustedRetriesGoToDeadLettersWithTheirHistory() async throws {
        try await TestFixtures.withCluster { cluster in
            let configuration = WorkerFixture.configuration(cluster, delays: [.milliseconds(100)])
            let worker = ScriptedWorker(script: ["rejected": .permanent, "broken": .alwaysFail])
            let source = configuration.sourceTopics[0]
            try await WorkerFixture.publish(
                cluster, topic: source, [(id: "rejected", user: "a@example.com"), (id: "broken", user: "b@example.com")])
            let deadLetters = try await WorkerFixture.withRunner(worker, configuration, cluster) {
                try await TestFixtures.readTopic(cluster, topic: configuration.deadLetterTopic(worker: worker.name), count: 2)
            }
            let byID = Dictionary(uniqueKeysWithValues: deadLetters.map { ($0.headers.first(named: "ce_id") ?? "", $0) })
            let rejected = try #require(byID["rejected"])
            #expect(rejected.headers.first(named: WorkerHeaders.error) == "the target said 400: bad request")
            #expect(rejected.headers.first(named: WorkerHeaders.attempts) == "1")
            #expect(rejected.headers.first(named: WorkerHeaders.permanent) == "true")
            #expect(rejected.headers.first(named: WorkerHeaders.originTopic) == source)
            #expect(rejected.headers.first(named: WorkerHeaders.originOffset) != nil)
            #expect(rejected.headers.first(named: WorkerHeaders.originPartition) != nil)
            #expect(rejected.headers.first(named: WorkerHeaders.firstFailure) != nil)
            #expect(rejected.headers.first(named: "ce_type") == SignupEvent.type)
            #expect(rejected.keyString == "a@example.com")
            #expect(worker.attempts("rejected") == [1])
            let headers = JSONValue.object(Dictionary(rejected.headers.map { ($0.key, JSONValue.string($0.stringValue ?? "")) }) { $1 })
            try SchemaValidator.expectValid("worker-record-headers.schema.json", headers.canonicalBytes())

            let broken = try #require(byID["broken"])
            #expect(broken.headers.first(named: WorkerHeaders.attempts) == "2")
            #expect(broken.headers.first(named: WorkerHeaders.permanent) == "false")
            #expect(broken.headers.first(named: WorkerHeaders.originTopic) == source)
            #expect(broken.headers.first(named: WorkerHeaders.firstFailure) != broken.headers.first(named: WorkerHeaders.lastFailure))
            #expect(worker.attempts("broken") == [1, 2])
            #expect(worker.effects.isEmpty)
        }
    }

    @Test func theSameEventIDTwiceHasOneEffectEvenAcrossRestarts() async throws {
        try await TestFixtures.withCluster { cluster in
            let configuration = WorkerFixture.configuration(cluster)
            let source = configuration.sourceTopics[0]
            let worker = ScriptedWorker()
            try await WorkerFixture.publish(
                cluster, topic: source, [(id: "twice", user: "a@example.com"), (id: "twice", user: "a@example.com")])
            try await WorkerFixture.withRunner(worker, configuration, cluster) {
                try await waitUntil("the event handled") { worker.effects.contains("twice") }
            }
            // After a restart, the same event arrives again (as a replay would bring it) before a new one.
            let again = ScriptedWorker(name: worker.name)
            try await WorkerFixture.publish(
                cluster, topic: source, [(id: "twice", user: "a@example.com"), (id: "later", user: "a@example.com")])
            try await WorkerFixture.withRunner(again, configuration, cluster) {
                try await waitUntil("the later event handled") { again.effects.contains("later") }
            }
            #expect(worker.effects == ["twice"])
            #expect(again.effects == ["later"])
        }
    }
}
