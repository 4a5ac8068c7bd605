public import Foundation

/// A message to publish.
public struct KafkaProducerMessage: Sendable {
    /// The topic to publish to.
    public var topic: String
    /// A fixed partition, or `nil` to let the partitioner choose by key.
    public var partition: Int32?
    /// The record key. Messages with the same key go to the same partition and keep their order.
    public var key: [UInt8]?
    /// The record value; `nil` publishes a tombstone.
    public var value: [UInt8]?
    /// Record headers, in order.
    public var headers: [KafkaHeader]
    /// The record timestamp, or `nil` for the time of sending.
    public var timestamp: Date?

    /// Creates a message.
    ///
    /// ```swift
    /// let message = KafkaProducerMessage(topic: "signups", key: "user@example.com", value: json)
    /// ```
    public init(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]? = nil,
        value: [UInt8]?,
        headers: [KafkaHeader] = [],
        timestamp: Date? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// Creates a message with a UTF-8 key and value.
    public init(topic: String, key: String?, value: String, headers: [KafkaHeader] = []) {
        self.init(topic: topic, key: key.map { Array($0.utf8) }, value: Array(value.utf8), headers: headers)
    }
}
