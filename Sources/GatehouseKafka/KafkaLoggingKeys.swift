/// The metadata keys the Kafka layer logs with, in one place so that log queries stay stable.
public enum KafkaLoggingKeys {
    /// librdkafka's instance name, for example `rdkafka#producer-1`.
    public static let client = "kafka.client"
    /// librdkafka's log facility, for example `REQTMOUT`.
    public static let facility = "kafka.facility"
    /// A topic name.
    public static let topic = "kafka.topic"
    /// A partition number.
    public static let partition = "kafka.partition"
    /// A message offset.
    public static let offset = "kafka.offset"
    /// A librdkafka or Gatehouse error code.
    public static let error = "kafka.error"
    /// A consumer group id.
    public static let group = "kafka.group"
    /// A list of topic-partitions, for example in a rebalance.
    public static let partitions = "kafka.partitions"
    /// A count of messages.
    public static let count = "kafka.count"
    /// A producer generation: it grows each time the producer is recreated after a fatal error.
    public static let generation = "kafka.generation"
}
