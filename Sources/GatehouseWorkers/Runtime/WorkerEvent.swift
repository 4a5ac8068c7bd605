public import Foundation
public import GatehouseKafka
public import GatehouseSignup

/// One event as a worker sees it: the CloudEvent read from Kafka, and where it came from.
public struct WorkerEvent: Sendable {
    /// `ce_id`: the idempotency key.
    public var id: String
    /// `ce_type`, such as `dev.gatehouse.signup.v1`.
    public var type: String
    /// `ce_source`.
    public var source: String
    /// `ce_subject`: the user key.
    public var subject: String?
    /// `ce_time`.
    public var time: Date?
    /// The data, parsed.
    public var data: JSONValue
    /// The record as read, headers included, for retries and dead letters.
    public var record: KafkaConsumerMessage
    /// Where the event first came from: the original topic, partition and offset (the same as
    /// ``record`` unless it is a retry).
    public var origin: Origin

    /// A record's place in a topic.
    public struct Origin: Sendable, Hashable, CustomStringConvertible {
        public var topic: String
        public var partition: Int32
        public var offset: Int64

        public var description: String { "\(topic)/\(partition)@\(offset)" }
    }

    /// Reads a CloudEvent in Kafka binary mode.
    ///
    /// - Throws: ``PermanentFailure`` when the record is not a CloudEvent (no `ce_id` or `ce_type`,
    ///   or data that is not JSON): retrying cannot fix it.
    public init(_ record: KafkaConsumerMessage) throws(PermanentFailure) {
        let headers = record.headers
        guard let id = headers.first(named: "ce_id"), let type = headers.first(named: "ce_type") else {
            throw PermanentFailure("not a CloudEvent: the record has no ce_id or ce_type header")
        }
        self.id = id
        self.type = type
        self.source = headers.first(named: "ce_source") ?? ""
        self.subject = headers.first(named: "ce_subject")
        self.time = headers.first(named: "ce_time").flatMap(SignupEvent.parseTimestamp)
        do {
            self.data = try JSONValue.parse(record.value ?? [])
        } catch {
            throw PermanentFailure("the data of event \(id) is not JSON: \(error)")
        }
        self.record = record
        if let topic = headers.first(named: WorkerHeaders.originTopic),
            let partition = headers.first(named: WorkerHeaders.originPartition).flatMap(Int32.init),
            let offset = headers.first(named: WorkerHeaders.originOffset).flatMap(Int64.init)
        {
            origin = Origin(topic: topic, partition: partition, offset: offset)
        } else {
            origin = Origin(topic: record.topic, partition: record.partition, offset: record.offset)
        }
    }

    /// The sign-up event's user key (`ce_subject`, else the record key).
    public var userKey: String { subject ?? record.keyString ?? "" }
}
