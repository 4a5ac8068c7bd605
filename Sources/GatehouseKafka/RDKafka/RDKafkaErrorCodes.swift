internal import CRdKafka

/// librdkafka error codes that Swift code compares against, as plain `Int32`s.
enum RDKafkaErrorCodes {
    static let noError = RD_KAFKA_RESP_ERR_NO_ERROR.rawValue
    static let queueFull = RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue
    static let fatal = RD_KAFKA_RESP_ERR__FATAL.rawValue
    static let invalidArgument = RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue
    static let partitionEOF = RD_KAFKA_RESP_ERR__PARTITION_EOF.rawValue
    static let assignPartitions = RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS.rawValue
    static let revokePartitions = RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS.rawValue
    static let timedOut = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
    static let topicAlreadyExists = RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS.rawValue
    static let purgeQueue = RD_KAFKA_RESP_ERR__PURGE_QUEUE.rawValue
    static let purgeInflight = RD_KAFKA_RESP_ERR__PURGE_INFLIGHT.rawValue
    static let noOffset = RD_KAFKA_RESP_ERR__NO_OFFSET.rawValue
    static let state = RD_KAFKA_RESP_ERR__STATE.rawValue
    static let rebalanceInProgress = RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS.rawValue

    /// Broker and client codes after which the same request may succeed later.
    static func isRetriable(_ raw: Int32) -> Bool {
        switch rd_kafka_resp_err_t(raw) {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
            RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT,
            RD_KAFKA_RESP_ERR__FATAL, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
            RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
            RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
            true
        default:
            false
        }
    }
}
