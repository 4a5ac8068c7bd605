public import Foundation

/// A message read from Kafka.
public struct KafkaConsumerMessage: Sendable {
    /// Where the message was read.
    public var topicPartition: KafkaTopicPartition
    /// The message's offset in its partition.
    public var offset: Int64
    /// The record key, if any.
    public var key: [UInt8]?
    /// The record value; `nil` for a tombstone.
    public var value: [UInt8]?
    /// Record headers, in order.
    public var headers: [KafkaHeader]
    /// The record timestamp, when the broker has one.
    public var timestamp: Date?
    /// Which assignment of the partition delivered the message; used to ignore `markDone` for a
    /// partition that was revoked and assigned again meanwhile.
    let assignmentEpoch: UInt64

    /// The topic name.
    public var topic: String { topicPartition.topic }
    /// The partition number.
    public var partition: Int32 { topicPartition.partition }
    /// The key as UTF-8 text.
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    /// The value as UTF-8 text.
    public var valueString: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}
