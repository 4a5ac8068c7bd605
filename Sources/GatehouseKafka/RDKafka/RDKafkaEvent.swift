internal import CRdKafka

/// One `rd_kafka_event_t`, borrowed for the duration of its handling; ``destroy()`` frees it.
struct RDKafkaEvent {
    enum Kind {
        case deliveryReport
        case fetch
        case log
        case error
        case rebalance
        case offsetCommit
        case statistics
        case createTopicsResult
        case other(Int32)
    }

    private let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    static let deliveryReportBit = Int32(RD_KAFKA_EVENT_DR)
    static let fetchBit = Int32(RD_KAFKA_EVENT_FETCH)
    static let logBit = Int32(RD_KAFKA_EVENT_LOG)
    static let errorBit = Int32(RD_KAFKA_EVENT_ERROR)
    static let rebalanceBit = Int32(RD_KAFKA_EVENT_REBALANCE)
    static let offsetCommitBit = Int32(RD_KAFKA_EVENT_OFFSET_COMMIT)
    static let statisticsBit = Int32(RD_KAFKA_EVENT_STATS)

    var kind: Kind {
        let type = rd_kafka_event_type(pointer)
        switch type {
        case RD_KAFKA_EVENT_DR: return .deliveryReport
        case RD_KAFKA_EVENT_FETCH: return .fetch
        case RD_KAFKA_EVENT_LOG: return .log
        case RD_KAFKA_EVENT_ERROR: return .error
        case RD_KAFKA_EVENT_REBALANCE: return .rebalance
        case RD_KAFKA_EVENT_OFFSET_COMMIT: return .offsetCommit
        case RD_KAFKA_EVENT_STATS: return .statistics
        case RD_KAFKA_EVENT_CREATETOPICS_RESULT: return .createTopicsResult
        default: return .other(Int32(type))
        }
    }

    func destroy() { rd_kafka_event_destroy(pointer) }

    /// The raw event, for the C shim's helpers.
    func withPointer<T>(_ body: (OpaquePointer) -> T) -> T { body(pointer) }

    /// The event's error code (error, rebalance and result events).
    var errorCode: Int32 { rd_kafka_event_error(pointer).rawValue }

    var errorString: String {
        rd_kafka_event_error_string(pointer).map { String(cString: $0) } ?? ""
    }

    var isFatal: Bool { rd_kafka_event_error_is_fatal(pointer) != 0 }

    /// A log line: librdkafka's syslog level, facility and text.
    var logLine: (level: Int32, facility: String, text: String)? {
        var facility: UnsafePointer<CChar>?
        var text: UnsafePointer<CChar>?
        var level: Int32 = 0
        guard rd_kafka_event_log(pointer, &facility, &text, &level) == 0 else { return nil }
        return (level, facility.map { String(cString: $0) } ?? "", text.map { String(cString: $0) } ?? "")
    }

    /// The statistics JSON of a statistics event.
    var statisticsJSON: String? {
        rd_kafka_event_stats(pointer).map { String(cString: $0) }
    }

    /// How many messages a delivery-report or fetch event carries.
    var messageCount: Int { rd_kafka_event_message_count(pointer) }

    /// Visits each message of a delivery-report or fetch event. The message is valid only during `body`.
    func forEachMessage(_ body: (UnsafePointer<rd_kafka_message_t>) -> Void) {
        while let message = rd_kafka_event_message_next(pointer) {
            body(message)
        }
    }

    /// The partition list of a rebalance or offset-commit event, copied.
    var topicPartitions: [RDKafkaTopicPartitionList.Entry] {
        guard let list = rd_kafka_event_topic_partition_list(pointer) else { return [] }
        return RDKafkaTopicPartitionList.entries(of: list)
    }

    /// The raw partition list of a rebalance event, for handing straight back to assign.
    func withTopicPartitionList<T>(_ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> T) -> T {
        body(rd_kafka_event_topic_partition_list(pointer))
    }

    /// The result object of an admin event.
    var createTopicsResult: OpaquePointer? { rd_kafka_event_CreateTopics_result(pointer) }
}
