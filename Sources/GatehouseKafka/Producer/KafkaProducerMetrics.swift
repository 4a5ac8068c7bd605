import Metrics

/// The producer's metrics, created once per producer.
struct KafkaProducerMetrics: Sendable {
    let delivered = Counter(label: "gatehouse_kafka_producer_messages_total", dimensions: [("outcome", "delivered")])
    let failed = Counter(label: "gatehouse_kafka_producer_messages_total", dimensions: [("outcome", "failed")])
    let queueFullWaits = Counter(label: "gatehouse_kafka_producer_queue_full_waits_total")
    let recreated = Counter(label: "gatehouse_kafka_producer_recreated_total")
    let errors = Counter(label: "gatehouse_kafka_client_errors_total", dimensions: [("client", "producer")])
    let outstanding = Gauge(label: "gatehouse_kafka_producer_outstanding_messages")
    let statistics = RDKafkaStatistics(client: "producer")
}
