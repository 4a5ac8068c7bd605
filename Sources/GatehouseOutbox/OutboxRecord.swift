public import Foundation
public import GatehouseKafka

/// One event waiting in the outbox to reach Kafka, with the answer that was given for it.
public struct OutboxRecord: Sendable {
    /// The outbox's own sequence number: publication order. `0` until appended.
    public var sequence: Int64
    /// The event id, which a re-publication repeats.
    public var eventID: String
    /// The request fingerprint, for recognising an identity-provider retry after a restart.
    public var fingerprint: String?
    /// The HTTP status that was answered.
    public var responseStatus: Int
    /// The body that was answered.
    public var responseBody: [UInt8]
    /// The Kafka message: topic, key, value and headers.
    public var message: KafkaProducerMessage
    /// When the call was received.
    public var createdAt: Date

    public init(
        eventID: String,
        fingerprint: String?,
        responseStatus: Int,
        responseBody: [UInt8],
        message: KafkaProducerMessage,
        createdAt: Date
    ) {
        self.sequence = 0
        self.eventID = eventID
        self.fingerprint = fingerprint
        self.responseStatus = responseStatus
        self.responseBody = responseBody
        self.message = message
        self.createdAt = createdAt
    }
}

/// The outbox could not take a record; the gateway then follows its `on_unavailable` policy.
public struct OutboxUnavailable: Error, Sendable, CustomStringConvertible {
    /// Why, in a sentence.
    public let reason: String
    /// Whether the outbox is over its configured size (rather than a storage failure).
    public let isFull: Bool

    public init(reason: String, isFull: Bool) {
        self.reason = reason
        self.isFull = isFull
    }

    public var description: String { "outbox unavailable: \(reason)" }
}
