import Foundation
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Logging
import ServiceLifecycle
import Synchronization

/// A worker runner on its own embedded cluster, topics and data folder.
enum WorkerFixture {
    /// A configuration with fast retries and quick rebalances for `cluster`, on fresh topics.
    static func configuration(_ cluster: EmbeddedKafkaCluster, delays: [Duration] = [.milliseconds(200), .milliseconds(400)])
        -> WorkerConfiguration
    {
        var configuration = WorkerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        configuration.sourceTopics = [TestFixtures.unique("signups")]
        configuration.topicPrefix = TestFixtures.unique("gh")
        configuration.outcomesTopic = TestFixtures.unique("outcomes")
        configuration.retryDelays = delays
        configuration.maxAttempts = delays.count + 1
        configuration.partitions = 3
        configuration.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("worker-data"))
        configuration.commitInterval = .milliseconds(200)
        configuration.properties = [
            "session.timeout.ms": "6000", "heartbeat.interval.ms": "300", "fetch.wait.max.ms": "50", "statistics.interval.ms": "0",
        ]
        return configuration
    }

    /// Writes `folder/gatehouse.yaml` for `gatehouse worker` and its sibling commands against `cluster`:
    /// `topic` as the sign-up stream, quick rebalances, `folder` as the data directory, fresh worker
    /// topics, and `workers` (YAML lines at the indentation of `workers:` members) for the rest.
    static func writeCommandConfiguration(
        in folder: URL, cluster: EmbeddedKafkaCluster, topic: String, outcomes: String, workers: String
    ) throws -> URL {
        let config = folder.appendingPathComponent("gatehouse.yaml")
        try """
        kafka:
          bootstrap_servers: ["\(cluster.bootstrapServers)"]
          topic: \(topic)
          properties: {session.timeout.ms: 6000, heartbeat.interval.ms: 300, fetch.wait.max.ms: 50}
        durability: {data_dir: "\(folder.path)"}
        workers:
          topic_prefix: \(TestFixtures.unique("gh"))
          outcomes_topic: \(outcomes)
        \(workers.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n"))
        """.write(to: config, atomically: true, encoding: .utf8)
        return config
    }

    /// Runs `worker` until `body` returns, then shuts it down gracefully.
    static func withRunner<T: Sendable>(
        _ worker: any SignupWorker,
        _ configuration: WorkerConfiguration,
        _ cluster: EmbeddedKafkaCluster,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let runner = WorkerRunner(worker: worker, configuration: configuration, topics: cluster, logger: TestFixtures.logger("worker"))
        return try await withServices([runner], body)
    }

    /// Runs `services` in one group until `body` returns, then shuts them down gracefully, the last
    /// first.
    static func withServices<T: Sendable>(_ services: [any Service], _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let group = ServiceGroup(services: services, logger: TestFixtures.logger("worker"))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            let result = try await body()
            await group.triggerGracefulShutdown()
            for try await _ in tasks {}
            return result
        }
    }

    /// Publishes sign-up-shaped CloudEvents: one per (id, user), in order.
    static func publish(_ cluster: EmbeddedKafkaCluster, topic: String, _ events: [(id: String, user: String)]) async throws {
        let producer = try KafkaProducer(
            configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
        for event in events {
            let headers = [
                KafkaHeader(key: "ce_specversion", value: "1.0"), KafkaHeader(key: "ce_id", value: event.id),
                KafkaHeader(key: "ce_source", value: "/gatehouse/test"), KafkaHeader(key: "ce_type", value: SignupEvent.type),
                KafkaHeader(key: "ce_time", value: SignupEvent.timestamp(Date())), KafkaHeader(key: "ce_subject", value: event.user),
                KafkaHeader(key: "content-type", value: "application/json"),
            ]
            // The data exactly as the gateway records it.
            let request = try APIConnectorDialect.parse(.object(["email": .string(event.user)]), urlStep: .postAttributeCollection)
            let data = SignupEvent(
                id: event.id, source: "/gatehouse/test", time: Date(), request: request, decision: .continue, userKey: event.user,
                durability: "local", traceparent: TraceContext.traceparent(from: nil)
            ).dataBytes
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: Array(event.user.utf8), value: data, headers: headers))
        }
        await producer.shutdown()
    }
}

/// A worker whose behaviour per event id is scripted, and which records every call.
final class ScriptedWorker: SignupWorker, Sendable {
    enum Behaviour: Sendable {
        case succeed
        case failTimes(Int)
        case permanent
        case alwaysFail
        /// Fails until ``release()``.
        case failUntilReleased
    }

    let name: String
    let eventTypes: Set<String> = [SignupEvent.type]
    private let script: [String: Behaviour]
    private let state = Mutex<(calls: [String: Int], effects: [String], attempts: [String: [Int]], released: Bool)>(([:], [], [:], false))

    init(name: String = TestFixtures.unique("scripted"), script: [String: Behaviour] = [:]) {
        self.name = name
        self.script = script
    }

    func handle(_ event: WorkerEvent, context: WorkerContext) async throws {
        let calls = state.withLock { state in
            state.calls[event.id, default: 0] += 1
            state.attempts[event.id, default: []].append(context.attempt)
            return state.calls[event.id]!
        }
        switch script[event.id] ?? .succeed {
        case .succeed: break
        case .failTimes(let times) where calls <= times: throw TestFailure("scripted failure \(calls) of \(times)")
        case .failTimes: break
        case .permanent: throw PermanentFailure("the target said 400: bad request")
        case .alwaysFail: throw TestFailure("always failing")
        case .failUntilReleased: if !state.withLock({ $0.released }) { throw TestFailure("not released yet") }
        }
        state.withLock { $0.effects.append(event.id) }
    }

    /// Lets `.failUntilReleased` events succeed.
    func release() { state.withLock { $0.released = true } }

    /// The ids of events whose side effect happened, in order.
    var effects: [String] { state.withLock { $0.effects } }
    /// The attempt numbers the handler saw for an event.
    func attempts(_ id: String) -> [Int] { state.withLock { $0.attempts[id] ?? [] } }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
