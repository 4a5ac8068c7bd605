extension KafkaError.Code {
    /// The broker is not the partition's leader (retriable).
    public static let notLeaderForPartition = KafkaError.Code.librdkafka(6)
    /// The broker timed out the request (retriable).
    public static let requestTimedOut = KafkaError.Code.librdkafka(7)
    /// The message is larger than the broker accepts (permanent).
    public static let messageTooLarge = KafkaError.Code.librdkafka(10)
    /// Too few in-sync replicas (retriable).
    public static let notEnoughReplicas = KafkaError.Code.librdkafka(19)
    /// The client may not write to the topic (permanent).
    public static let topicAuthorizationFailed = KafkaError.Code.librdkafka(29)
    /// The topic already exists; topic creation treats it as success.
    public static let topicAlreadyExists = KafkaError.Code.librdkafka(36)
    /// A request's connection was dropped (librdkafka's `__TRANSPORT`).
    public static let transport = KafkaError.Code.librdkafka(-195)
    /// A message waited longer than `message.timeout.ms` (librdkafka's `__MSG_TIMED_OUT`).
    public static let messageTimedOut = KafkaError.Code.librdkafka(-192)
    /// The broker does not support the request (librdkafka's `__UNSUPPORTED_FEATURE`).
    public static let unsupportedFeature = KafkaError.Code.librdkafka(-165)
    /// A message was purged from the queue at shutdown (librdkafka's `__PURGE_QUEUE`).
    public static let purgedFromQueue = KafkaError.Code.librdkafka(-152)
}
