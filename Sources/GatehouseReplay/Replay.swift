import Foundation
public import GatehouseKafka
public import Logging

/// A replay of a slice of the audit stream (or any topic of CloudEvents) to one destination.
///
/// ```swift
/// let replay = Replay(topic: "gatehouse.signups.v1", start: .time(yesterday), filter: ReplayFilter(user: "ada@example.com"))
/// let report = try await replay.run(reader: reader, destination: OutputDestination(), logger: logger)
/// ```
public struct Replay: Sendable {
    /// The topic to replay.
    public var topic: String
    public var start: KafkaTopicReader.Start
    public var end: KafkaTopicReader.End
    public var filter: ReplayFilter

    public init(
        topic: String, start: KafkaTopicReader.Start = .beginning, end: KafkaTopicReader.End = .current,
        filter: ReplayFilter = ReplayFilter()
    ) {
        self.topic = topic
        self.start = start
        self.end = end
        self.filter = filter
    }

    /// What a replay did.
    public struct Report: Sendable {
        /// The read: messages read, where each partition stopped, how a time start was resolved.
        public var read: KafkaTopicReader.Summary
        /// Events that passed the filter.
        public var matched = 0
        /// Events the destination took (or, in a dry run, would take).
        public var delivered = 0
        /// Events passed over as already done by the worker (idempotency records).
        public var duplicates = 0
        /// How long it took.
        public var elapsed: Duration = .zero

        /// Events read per second.
        public var rate: Double {
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return seconds > 0 ? Double(read.read) / seconds : 0
        }

        /// `--from` offsets that resume the replay where it stopped.
        public var resumeFrom: String {
            read.next.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        }
    }

    /// Progress, as reported while replaying.
    public struct Progress: Sendable {
        public var read: Int
        public var total: Int64
        public var delivered: Int
        public var elapsed: Duration
    }

    /// Replays the range to `destination` and returns what happened. Stops early, reporting where,
    /// when the task is cancelled (Ctrl-C).
    ///
    /// - Parameter progress: called about four times a second.
    public func run(
        reader: KafkaTopicReader,
        destination: any ReplayDestination,
        logger: Logger,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> Report {
        let clock = ContinuousClock()
        let started = clock.now
        var lastProgress = started
        var matched = 0
        var delivered = 0
        var duplicates = 0
        let summary = try await reader.read(topic, from: start, until: end, logger: logger) { record, summary in
            guard filter.accepts(record) else { return }
            matched += 1
            if try await destination.deliver(record) { delivered += 1 } else { duplicates += 1 }
            if let progress, clock.now - lastProgress > .milliseconds(250) {
                lastProgress = clock.now
                progress(Progress(read: summary.read, total: summary.total, delivered: delivered, elapsed: clock.now - started))
            }
        }
        let passedOver = try await destination.finish()
        var report = Report(read: summary)
        report.matched = matched
        report.delivered = delivered - passedOver
        report.duplicates = duplicates + passedOver
        report.elapsed = clock.now - started
        return report
    }
}
