import ArgumentParser
import Foundation
import GatehouseGateway
import GatehouseKafka
import GatehouseReplay
import GatehouseSettings
import GatehouseSignup
import GatehouseWorkers
import Logging
import ServiceLifecycle
import UnixSignals

/// `gatehouse replay`: a slice of the audit stream, to stdout, one worker, or a topic.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay sign-up events from the audit stream to stdout, one worker, or a topic.",
        discussion: """
            The range runs from --from (beginning, an RFC 3339 time, or partition:offset,...) to --until (by default the end
            the topic has when the replay starts, so it always finishes; or a time, or partition:offset,...); --follow keeps
            reading new events. A time start uses the brokers' timestamp lookup, and where they have none (librdkafka's embedded
            broker) scans the partitions by message timestamps.

            Examples:
              gatehouse replay --config gatehouse.yaml --from 2026-11-25T00:00:00Z --user ada@example.com --format pretty
              gatehouse replay --config new.yaml --into-worker audit          # rebuild an audit store from nothing
              gatehouse replay --bootstrap 127.0.0.1:9092 --to-topic signups.copy --type dev.gatehouse.signup.v1 --dry-run

            Ctrl-C stops cleanly and prints the --from that resumes the replay.
            """
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The topic to replay (default: the configuration's kafka.topic, or gatehouse.signups.v1).")
    var topic: String?

    @Option(help: "Where to start: beginning, an RFC 3339 time, or partition:offset,... (partitions not listed are skipped).")
    var from: String = "beginning"

    @Option(help: "Where to stop: now (the end when the replay starts), an RFC 3339 time, or partition:offset,... (exclusive).")
    var until: String = "now"

    @Flag(help: "Keep reading new events after the end, until Ctrl-C.")
    var follow = false

    @Option(name: .customLong("type"), help: "Only events of this CloudEvents type (repeatable).")
    var types: [String] = []

    @Option(help: "Only this user: a user key or an email.")
    var user: String?

    @Option(help: "Output format on stdout: json (one structured CloudEvent per line) or pretty.")
    var format: String = "json"

    @Option(help: "Run this worker's handler on the events, outside its consumer group (\(BuiltInWorkers.names.joined(separator: ", "))).")
    var intoWorker: String?

    @Option(help: "Re-publish the events to this topic with their headers and a replay marker.")
    var toTopic: String?

    @Flag(help: "Count what would happen and change nothing.")
    var dryRun = false

    @Flag(help: "With --into-worker: handle events the worker's idempotency records say are done.")
    var force = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if intoWorker != nil && toTopic != nil { throw ValidationError("give at most one of --into-worker and --to-topic") }
        if OutputDestination.Format(rawValue: format) == nil { throw ValidationError("--format must be json or pretty, not '\(format)'") }
        if force && intoWorker == nil { throw ValidationError("--force only applies with --into-worker") }
        if follow && until != "now" { throw ValidationError("--follow and --until exclude each other") }
        if let intoWorker, !BuiltInWorkers.names.contains(intoWorker) { throw ValidationError("\(UnknownWorker(name: intoWorker))") }
        _ = try Self.start(from)
        _ = try Self.end(until)
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "gatehouse.replay")
        let workers = try await cluster.workers()
        let settings = try await cluster.settings()
        let topic = self.topic ?? settings?.gateway.topic ?? "gatehouse.signups.v1"
        let replay = Replay(
            topic: topic, start: try Self.start(from), end: follow ? .never : try Self.end(until),
            filter: ReplayFilter(types: Set(types), user: user))
        let (destination, stores) = try await makeDestination(workers: workers, settings: settings, logger: logger)
        let reader = KafkaTopicReader(bootstrapServers: workers.bootstrapServers, properties: workers.properties)
        let terminal = isatty(STDERR_FILENO) == 1
        let progress: (@Sendable (Replay.Progress) -> Void)? = terminal ? Self.showProgress : nil

        let report = try await withThrowingTaskGroup(of: Replay.Report?.self) { group in
            group.addTask { try await replay.run(reader: reader, destination: destination, logger: logger, progress: progress) }
            for store in stores {
                // The worker's PostgreSQL store, connected while the replay runs.
                group.addTask {
                    try await store.run()
                    return nil
                }
            }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { return nil }
                return nil
            }
            var report: Replay.Report?
            while let next = try await group.next() {
                // The replay finished, or a signal came: either way stop the other task.
                group.cancelAll()
                if let next { report = next }
            }
            return report
        }
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        guard let report else { return }
        let verb = dryRun ? "Would replay" : "Replayed"
        var lines = [
            "\(verb) \(report.delivered) of \(report.matched) matching events (\(report.read.read) read from \(topic)) in "
                + "\(String(format: "%.1f", Double(report.elapsed.components.seconds) + Double(report.elapsed.components.attoseconds) / 1e18)) s, "
                + "\(Int(report.rate)) events/s."
        ]
        if report.duplicates > 0 {
            lines.append("\(report.duplicates) events were passed over: \(intoWorker ?? "the worker") had done them already.")
        }
        if report.read.lookup.values.contains(.scan) {
            lines.append("The start time was found by scanning message timestamps (the brokers have no timestamp lookup for it).")
        }
        if report.read.interrupted {
            lines.append("Interrupted. Resume with: --from \(report.resumeFrom)")
        }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// Where the events go, and the services that must run meanwhile (a worker's PostgreSQL store).
    private func makeDestination(workers: WorkerConfiguration, settings: GatehouseSettings?, logger: Logger) async throws
        -> (any ReplayDestination, [any Service])
    {
        if let intoWorker {
            let inputs = settings.map { BuiltInWorkers.Inputs(settings: $0) } ?? BuiltInWorkers.Inputs(dataDirectory: workers.dataDirectory)
            let recordsPath = workers.dataDirectory.appendingPathComponent("workers/\(intoWorker).sqlite").path
            if dryRun {
                // Nothing is created: without records yet, no event counts as done.
                let records = !force && FileManager.default.fileExists(atPath: recordsPath) ? try CompletedEvents(path: recordsPath) : nil
                return (DryRunDestination(records: records, eventTypes: try BuiltInWorkers.eventTypes(of: intoWorker, inputs)), [])
            }
            let made = try BuiltInWorkers.make([intoWorker], inputs, logger: logger)
            return (
                WorkerDestination(worker: made.workers[0], records: try CompletedEvents(path: recordsPath), force: force, logger: logger),
                made.stores
            )
        }
        if dryRun { return (DryRunDestination(), []) }
        if let toTopic {
            var configuration = KafkaProducerConfiguration(bootstrapServers: workers.bootstrapServers)
            configuration.properties = workers.properties
            configuration.clientID = "gatehouse-replay"
            return (TopicDestination(producer: try KafkaProducer(configuration: configuration, logger: logger), topic: toTopic), [])
        }
        return (OutputDestination(format: OutputDestination.Format(rawValue: format) ?? .json, flushEachEvent: follow), [])
    }

    /// One progress line on stderr, rewritten in place.
    @Sendable static func showProgress(_ progress: Replay.Progress) {
        let share = progress.total > 0 ? " (\(min(100, Int64(progress.read) * 100 / progress.total))%)" : ""
        let seconds = Double(progress.elapsed.components.seconds) + Double(progress.elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(progress.read) / seconds) : 0
        let line = "\r\u{1B}[Kread \(progress.read)\(share), \(progress.delivered) replayed, \(rate) events/s"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func start(_ text: String) throws -> KafkaTopicReader.Start {
        if text == "beginning" { return .beginning }
        if let date = SignupEvent.parseTimestamp(text) { return .time(date) }
        if let offsets = offsets(text) { return .offsets(offsets) }
        throw ValidationError(
            "--from must be beginning, an RFC 3339 time such as 2026-11-26T08:00:00Z, or partition:offset,..., not '\(text)'")
    }

    static func end(_ text: String) throws -> KafkaTopicReader.End {
        if text == "now" { return .current }
        if let date = SignupEvent.parseTimestamp(text) { return .time(date) }
        if let offsets = offsets(text) { return .offsets(offsets) }
        throw ValidationError("--until must be now, an RFC 3339 time, or partition:offset,..., not '\(text)'")
    }

    private static func offsets(_ text: String) -> [Int32: Int64]? {
        var offsets: [Int32: Int64] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let partition = Int32(parts[0]), let offset = Int64(parts[1]), partition >= 0, offset >= 0 else {
                return nil
            }
            offsets[partition] = offset
        }
        return offsets.isEmpty ? nil : offsets
    }
}
