import ArgumentParser
import Foundation
import GRDB
import GatehouseKafka
import GatehouseSignup
import GatehouseWorkers
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Worker throughput: a bare consumer that only reads and commits (the baseline), the audit worker
/// into SQLite, and the notifications worker to a local webhook receiver, each on the same kind of
/// events from the same broker.
struct WorkersBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "workers", abstract: "Measure worker throughput against a bare consumer.")

    @Option(help: "Bootstrap servers.") var bootstrap: String
    @Option(help: "Events for the bare consumer and the audit worker.") var count: Int = 100_000
    @Option(help: "Events for the notifications worker.") var notifications: Int = 20_000
    @Option(help: "Webhook requests in flight.") var concurrency: Int = 64

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let topic = "bench-signups-\(UUID().uuidString.prefix(8))"
        let hooks = "bench-hooks-\(UUID().uuidString.prefix(8))"
        let admin = try KafkaAdmin(bootstrapServers: [bootstrap], logger: logger)
        try await admin.createTopics([.init(name: topic, partitions: 12), .init(name: hooks, partitions: 12)])
        try await SignupEventsPublisher.publish(bootstrap: bootstrap, topic: topic, count: count)
        try await SignupEventsPublisher.publish(bootstrap: bootstrap, topic: hooks, count: notifications)

        // Baseline: read and commit, nothing else.
        var consumerConfiguration = KafkaConsumerConfiguration(
            bootstrapServers: [bootstrap], subscription: .group("bench-bare-\(topic)", topics: [topic]))
        consumerConfiguration.statisticsInterval = nil
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        let bareStart = ContinuousClock.now
        var read = 0
        for try await message in consumer.messages {
            consumer.markDone(message)
            read += 1
            if read == count { break }
        }
        let bare = Self.rate(count, since: bareStart)
        try await consumer.commit()
        await consumer.close()
        print("bare_consumer_events_per_second \(bare)")

        // The audit worker into SQLite.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var workers = WorkerConfiguration(bootstrapServers: [bootstrap])
        workers.sourceTopics = [topic]
        workers.dataDirectory = folder
        workers.topicPrefix = "bench-\(topic)"
        workers.outcomesTopic = "bench-outcomes-\(topic)"
        let database = folder.appendingPathComponent("audit.sqlite").path
        let store = try SQLiteAuditStore(path: database)
        let audit = try await Self.measure(
            [WorkerRunner(worker: AuditWorker(store: store), configuration: workers, topics: admin, logger: logger)], count: count
        ) { try Self.rows(database) }
        print("audit_events_per_second \(audit)")

        // The notifications worker to a local receiver answering 204.
        let received = Atomic<Int>(0)
        let router = Router()
        router.post("/hook") { _, _ -> HTTPResponse.Status in
            received.add(1, ordering: .relaxed)
            return .noContent
        }
        let port = Int.random(in: 20_000..<40_000)
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        var notificationsConfiguration = NotificationsConfiguration(dataDirectory: folder)
        notificationsConfiguration.targets["hook"] = .webhook(
            WebhookTarget(
                url: URL(string: "http://127.0.0.1:\(port)/hook")!, secrets: [try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]))
        notificationsConfiguration.routes = [NotificationRoute(targets: ["hook"])]
        let worker = try NotificationsWorker(configuration: notificationsConfiguration)
        var hookWorkers = workers
        hookWorkers.sourceTopics = [hooks]
        hookWorkers.concurrency = concurrency
        let webhook = try await Self.measure(
            [receiver, worker, WorkerRunner(worker: worker, configuration: hookWorkers, topics: admin, logger: logger)],
            count: notifications
        ) { received.load(ordering: .relaxed) }
        print("notifications_events_per_second \(webhook)")
        print("notifications_in_flight \(concurrency)")
    }

    /// Runs the services until `progress` reaches `count`; returns events per second from the first
    /// event handled, so that joining the group is not counted.
    private static func measure(_ services: [any Service], count: Int, progress: @escaping @Sendable () async throws -> Int) async throws
        -> Int
    {
        let group = ServiceGroup(services: services, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        return try await withThrowingTaskGroup(of: Int?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var start: ContinuousClock.Instant?
            var startCount = 0
            while true {
                let done = try await progress()
                if start == nil, done > 0 {
                    start = .now
                    startCount = done
                }
                if done >= count { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let rate = Self.rate(count - startCount, since: start ?? .now)
            await group.triggerGracefulShutdown()
            for try await _ in tasks {}
            return rate
        }
    }

    private static func rows(_ database: String) throws -> Int {
        try DatabaseQueue(path: database).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM audit_records") ?? 0 }
    }

    static func rate(_ count: Int, since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Int(Double(count) / seconds) : 0
    }
}
