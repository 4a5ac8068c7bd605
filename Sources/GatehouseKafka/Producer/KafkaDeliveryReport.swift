public import Foundation

/// The broker's acknowledgement of one message.
public struct KafkaDeliveryReport: Sendable, Hashable {
    /// The producer-assigned id of the message, as returned by ``KafkaProducer/enqueue(_:onDelivery:)``.
    public var messageID: KafkaMessageID
    /// Where the message was written.
    public var topicPartition: KafkaTopicPartition
    /// The offset of the message, or `nil` when the broker had already persisted it during an internal
    /// retry of the idempotent producer (librdkafka then reports success without an offset).
    public var offset: Int64?
    /// The record timestamp the broker stored, when known.
    public var timestamp: Date?
}

/// A producer-assigned message id, unique within one ``KafkaProducer``.
public struct KafkaMessageID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The raw value; ids grow in the order messages are enqueued.
    public let rawValue: UInt64

    init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: KafkaMessageID, rhs: KafkaMessageID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "#\(rawValue)" }
}
