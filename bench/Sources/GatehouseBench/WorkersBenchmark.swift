import ArgumentParser
import Foundation
import GRDB
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Worker throughput: a bare consumer that only reads and commits (the baseline), the audit worker
/// into SQLite and into PostgreSQL, and the notifications worker to a local webhook receiver, each on the same kind of
/// events from librdkafka's embedded cluster in the same process.
struct WorkersBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "workers", abstract: "Measure worker throughput against a bare consumer.")

    @Option(help: "Events for the bare consumer and the audit worker.") var count: Int = 100_000
    @Option(help: "Events for the notifications worker.") var notifications: Int = 20_000
    @Option(help: "Webhook requests in flight.") var concurrency: Int = 64
    @Flag(inversion: .prefixedNo, help: "Also measure the audit worker into PostgreSQL (a local server the benchmark starts).")
    var postgres = true

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let topic = "bench-signups-\(UUID().uuidString.prefix(8))"
        let hooks = "bench-hooks-\(UUID().uuidString.prefix(8))"
        // librdkafka's embedded cluster in this process, as the tests use it (a standalone
        // `gatehouse broker` cannot create topics with partitions, having no admin API).
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: logger)
        defer { cluster.shutdown() }
        let admin = cluster
        let bootstrap = cluster.bootstrapServers
        try await admin.createTopics([.init(name: topic, partitions: 12), .init(name: hooks, partitions: 12)])
        Self.say("publishing \(count + notifications) events")
        try await SignupEventsPublisher.publish(bootstrap: bootstrap, topic: topic, count: count)
        try await SignupEventsPublisher.publish(bootstrap: bootstrap, topic: hooks, count: notifications)
        // The embedded cluster keeps a bounded log per partition and drops the oldest messages past
        // it: measure over what it holds.
        let count = try await Self.available(topic, bootstrap: bootstrap, logger: logger)
        let notifications = try await Self.available(hooks, bootstrap: bootstrap, logger: logger)
        print("events \(count)")
        print("notification_events \(notifications)")
        Self.say("bare consumer")

        // Baseline: read and commit, nothing else.
        var consumerConfiguration = KafkaConsumerConfiguration(
            bootstrapServers: [bootstrap], subscription: .group("bench-bare-\(topic)", topics: [topic]))
        consumerConfiguration.statisticsInterval = nil
        var consumerLogger = Logger(label: "bench")
        consumerLogger.logLevel = ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_DEBUG"] == nil ? .critical : .debug
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: consumerLogger)
        var bareStart = ContinuousClock.now
        var read = 0
        for try await message in consumer.messages {
            // Timed from the first message, as the workers are, so that joining the group is not counted.
            if read == 0 { bareStart = .now }
            consumer.markDone(message)
            read += 1
            if read == count { break }
        }
        let bare = Self.rate(count - 1, since: bareStart)
        try await consumer.commit()
        await consumer.close()
        print("bare_consumer_events_per_second \(bare)")
        Self.say("audit worker")

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

        if postgres {
            // The same events into PostgreSQL, on a server of the benchmark's own with fsync on, as in
            // production; under its own worker name, so its own consumer group reads them all again.
            Self.say("starting PostgreSQL")
            let server = try await PostgresServer.start(durable: true)
            let url = try await server.createDatabase("bench")
            print("postgres_version \(server.version)")
            Self.say("audit worker into PostgreSQL")
            let postgresStore = PostgresAuditStore(configuration: try PostgresConfiguration(url: url), logger: logger)
            let postgresAudit = try await Self.measure(
                [
                    postgresStore,
                    WorkerRunner(
                        worker: AuditWorker(name: "audit-postgres", store: postgresStore), configuration: workers, topics: admin,
                        logger: logger),
                ],
                count: count
            ) {
                // Nothing until the store has made its table.
                (try? await server.count("SELECT COUNT(*) FROM audit_records", in: url)) ?? 0
            }
            print("audit_postgres_events_per_second \(postgresAudit)")
        }
        Self.say("notifications worker")

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
            var lastNote = ContinuousClock.now
            while true {
                let done = try await progress()
                if ContinuousClock.now - lastNote > .seconds(5) {
                    lastNote = .now
                    say("\(done) of \(count)")
                }
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

    /// A progress note on stderr, so a slow phase shows which it is.
    private static func say(_ text: String) {
        FileHandle.standardError.write(Data("workers benchmark: \(text)\n".utf8))
    }

    /// Messages the topic holds: the sum over its partitions of high minus low watermark.
    private static func available(_ topic: String, bootstrap: String, logger: Logger) async throws -> Int {
        let probe = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [bootstrap], subscription: .partitions([:])), logger: logger)
        var total: Int64 = 0
        for id in try await probe.partitionIDs(of: topic) {
            let marks = try await probe.watermarks(of: KafkaTopicPartition(topic: topic, partition: id))
            total += marks.high - marks.low
        }
        await probe.close()
        return Int(total)
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
