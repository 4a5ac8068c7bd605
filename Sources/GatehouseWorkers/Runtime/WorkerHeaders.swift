/// The headers Gatehouse adds to retry and dead-letter records, next to the event's own.
public enum WorkerHeaders {
    /// The topic, partition and offset the event was first read from.
    public static let originTopic = "gatehouse_origin_topic"
    public static let originPartition = "gatehouse_origin_partition"
    public static let originOffset = "gatehouse_origin_offset"
    /// How many attempts have failed so far.
    public static let attempts = "gatehouse_attempts"
    /// When the first and the last attempt failed (RFC 3339).
    public static let firstFailure = "gatehouse_first_failure"
    public static let lastFailure = "gatehouse_last_failure"
    /// The last error.
    public static let error = "gatehouse_error"
    /// When a retry is due (RFC 3339).
    public static let due = "gatehouse_due"
    /// The worker the record is for.
    public static let worker = "gatehouse_worker"
    /// `true` when the handler said retrying cannot help.
    public static let permanent = "gatehouse_permanent"
    /// Set on a dead letter sent back by `gatehouse dlq redrive`.
    public static let redriven = "gatehouse_redriven"

    /// Every header above: a retry or dead letter replaces these and keeps the rest.
    static let all: Set<String> = [
        originTopic, originPartition, originOffset, attempts, firstFailure, lastFailure, error, due, worker, permanent, redriven,
    ]
}
