import Metrics

/// The consumer's metrics, created once per consumer.
struct KafkaConsumerMetrics: Sendable {
    let consumed: Counter
    let rebalances: Counter
    let errors: Counter
    let statistics: RDKafkaStatistics

    init(group: String) {
        consumed = Counter(label: "gatehouse_kafka_consumer_messages_total", dimensions: [("group", group)])
        rebalances = Counter(label: "gatehouse_kafka_consumer_rebalances_total", dimensions: [("group", group)])
        errors = Counter(label: "gatehouse_kafka_client_errors_total", dimensions: [("client", "consumer"), ("group", group)])
        statistics = RDKafkaStatistics(client: "consumer")
    }
}
