public import Foundation

/// How a worker runner reads, retries and records.
public struct WorkerConfiguration: Sendable {
    /// The Kafka bootstrap servers.
    public var bootstrapServers: [String]
    /// The topics of events to handle: the sign-up stream by default.
    public var sourceTopics: [String] = ["gatehouse.signups.v1"]
    /// The first part of the worker's own topic names: `<prefix>.<worker>.retry-<n>` and
    /// `<prefix>.<worker>.dlq`.
    public var topicPrefix: String = "gatehouse"
    /// The delay before each retry: the first failure waits the first delay, and so on; failures past
    /// the list wait its last delay.
    public var retryDelays: [Duration] = [.seconds(1), .seconds(10), .seconds(60), .seconds(600)]
    /// Attempts in all, the first included; after this many failures the event goes to dead letters.
    public var maxAttempts: Int = 5
    /// How many events are handled at once, across users; one user's events never overlap.
    public var concurrency: Int = 16
    /// Where the idempotency records live: `<dataDirectory>/workers/<worker>.sqlite`.
    public var dataDirectory: URL = URL(fileURLWithPath: "data")
    /// Where each outcome (done, retrying, dead-lettered) is published for `gatehouse trace`; `nil`
    /// publishes none.
    public var outcomesTopic: String? = "gatehouse.outcomes.v1"
    /// Partitions of the retry and dead-letter topics when the runner creates them.
    public var partitions: Int32 = 12
    /// How often stored offsets are committed.
    public var commitInterval: Duration = .seconds(1)
    /// librdkafka properties for the consumers and the producer (SASL, TLS, …).
    public var properties: [String: String] = [:]

    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    /// The retry topic for an event that has failed `failures` times.
    public func retryTopic(worker: String, failures: Int) -> String {
        "\(topicPrefix).\(worker).retry-\(min(max(failures, 1), retryDelays.count))"
    }

    /// Every retry topic of a worker, in order of delay.
    public func retryTopics(worker: String) -> [String] {
        (1...max(retryDelays.count, 1)).map { "\(topicPrefix).\(worker).retry-\($0)" }
    }

    /// The dead-letter topic of a worker.
    public func deadLetterTopic(worker: String) -> String {
        "\(topicPrefix).\(worker).dlq"
    }

    /// The delay after `failures` failures.
    public func delay(afterFailures failures: Int) -> Duration {
        guard !retryDelays.isEmpty else { return .zero }
        return retryDelays[min(max(failures, 1), retryDelays.count) - 1]
    }
}
