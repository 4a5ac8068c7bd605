public import Foundation

/// A message to publish.
public struct KafkaProducerMessage: Sendable {
    /// The topic to publish to.
    public var topic: String
    /// The record key. Messages with the same key go to the same partition and keep their order.
    public var key: [UInt8]?
    /// The record value; `nil` publishes a tombstone.
    public var value: [UInt8]?
    /// Record headers, in order.
    public var headers: [KafkaHeader]
    // The partition and timestamp are stored without optionals, which keeps a message at 56 bytes. One
    // byte more (the optionals' tags) and the optimiser passes a message around by address: its
    // initialiser then builds it and copies it, a retain and a release per array for every message
    // (seen with Swift 6.3 in the producer benchmark).
    /// `partition`, or librdkafka's `RD_KAFKA_PARTITION_UA` (-1) for none.
    var partitionOrUnassigned: Int32
    /// `timestamp` in seconds since the reference date, or NaN for none.
    var timestampSeconds: Double

    /// A fixed partition, or `nil` to let the partitioner choose by key. -1, librdkafka's "unassigned",
    /// reads back as `nil`.
    public var partition: Int32? {
        get { partitionOrUnassigned == Self.unassigned ? nil : partitionOrUnassigned }
        set { partitionOrUnassigned = newValue ?? Self.unassigned }
    }

    /// The record timestamp, or `nil` for the time of sending. A date whose interval is not a number
    /// reads back as `nil`; one that Kafka cannot hold (infinite, or beyond its millisecond range) is
    /// refused when the message is enqueued.
    public var timestamp: Date? {
        get { timestampSeconds.isNaN ? nil : Date(timeIntervalSinceReferenceDate: timestampSeconds) }
        set { timestampSeconds = newValue?.timeIntervalSinceReferenceDate ?? .nan }
    }

    /// librdkafka's `RD_KAFKA_PARTITION_UA`.
    static let unassigned: Int32 = -1

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
        self.partitionOrUnassigned = partition ?? Self.unassigned
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampSeconds = timestamp?.timeIntervalSinceReferenceDate ?? .nan
    }

    /// Creates a message with a UTF-8 key and value.
    public init(topic: String, key: String?, value: String, headers: [KafkaHeader] = []) {
        self.init(topic: topic, key: key.map { Array($0.utf8) }, value: Array(value.utf8), headers: headers)
    }
}
