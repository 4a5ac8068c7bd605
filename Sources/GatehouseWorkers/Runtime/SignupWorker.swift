public import Logging

/// A worker: the slow thing a company does when someone signs up, done after the identity provider
/// already has its answer.
///
/// Conform, give a name and the event types, and handle events; ``WorkerRunner`` does the rest: its
/// own consumer group, at-least-once delivery, order per user, retries on their own topics, dead
/// letters, idempotency records and metrics.
///
/// ```swift
/// struct WelcomeLogger: SignupWorker {
///     let name = "welcome-logger"
///     let eventTypes: Set<String> = [SignupEvent.type]
///
///     func handle(_ event: WorkerEvent, context: WorkerContext) async throws {
///         context.logger.info("Signed up", metadata: ["event.id": "\(event.id)"])
///     }
/// }
/// ```
public protocol SignupWorker: Sendable {
    /// The worker's name: its consumer group, retry and dead-letter topics, and idempotency records
    /// are named after it. Letters, digits, `-` and `_`.
    var name: String { get }

    /// The CloudEvents types it handles; other events are passed over (and count as done).
    var eventTypes: Set<String> { get }

    /// The most events given to ``handle(batch:context:)`` at once; 1 (the default) hands them one
    /// by one.
    var maxBatchSize: Int { get }

    /// How many lanes of users this worker runs at once, overriding
    /// ``WorkerConfiguration/concurrency``; `nil` (the default) keeps the configuration's. A worker
    /// whose batches all write to one database gains nothing from lanes that would only queue for its
    /// write lock, and gains from larger batches.
    var concurrency: Int? { get }

    /// Handles one event. Return to mark it done; throw to retry it later; throw
    /// ``PermanentFailure`` to send it to dead letters at once.
    func handle(_ event: WorkerEvent, context: WorkerContext) async throws

    /// Handles several events of different users at once (for example, in one database
    /// transaction). When it throws, each event is handled again on its own with
    /// ``handle(_:context:)``, so that only the failing ones are retried.
    func handle(batch: [WorkerEvent], context: WorkerContext) async throws
}

extension SignupWorker {
    public var maxBatchSize: Int { 1 }

    public var concurrency: Int? { nil }

    public func handle(batch: [WorkerEvent], context: WorkerContext) async throws {
        for event in batch { try await handle(event, context: context) }
    }
}

/// What a worker's handler gets besides the event.
public struct WorkerContext: Sendable {
    /// The runner's logger, with the worker's name.
    public var logger: Logger
    /// Which attempt this is: 1 the first time, 2 on the first retry, and so on.
    public var attempt: Int

    public init(logger: Logger, attempt: Int) {
        self.logger = logger
        self.attempt = attempt
    }
}

/// A failure that retrying cannot fix (for example, a webhook answering 400): the event goes straight
/// to dead letters.
public struct PermanentFailure: Error, Sendable, CustomStringConvertible {
    /// Why, for the dead-letter record.
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}

/// A failure worth retrying no sooner than `after` (for example, HTTP 429 with `Retry-After`).
public struct RetryLater: Error, Sendable, CustomStringConvertible {
    /// Why, for the retry record.
    public var reason: String
    /// The earliest sensible retry.
    public var after: Duration

    public init(_ reason: String, after: Duration) {
        self.reason = reason
        self.after = after
    }

    public var description: String { reason }
}
