import Foundation
import Metrics

/// Turns librdkafka's statistics JSON into gauges.
///
/// librdkafka emits the JSON every `statistics.interval.ms`; the fields are documented in its
/// STATISTICS.md. Only the few that operators alert on become metrics.
struct RDKafkaStatistics: Sendable {
    private let queueMessages: Gauge
    private let queueBytes: Gauge
    private let transmittedMessages: Gauge
    private let receivedMessages: Gauge
    private let replyQueue: Gauge
    private let client: String

    init(client: String) {
        self.client = client
        queueMessages = Gauge(label: "gatehouse_kafka_queue_messages", dimensions: [("client", client)])
        queueBytes = Gauge(label: "gatehouse_kafka_queue_bytes", dimensions: [("client", client)])
        transmittedMessages = Gauge(label: "gatehouse_kafka_transmitted_messages", dimensions: [("client", client)])
        receivedMessages = Gauge(label: "gatehouse_kafka_received_messages", dimensions: [("client", client)])
        replyQueue = Gauge(label: "gatehouse_kafka_reply_queue_operations", dimensions: [("client", client)])
    }

    func record(_ json: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return }
        func number(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
        if let value = number("msg_cnt") { queueMessages.record(value) }
        if let value = number("msg_size") { queueBytes.record(value) }
        if let value = number("txmsgs") { transmittedMessages.record(value) }
        if let value = number("rxmsgs") { receivedMessages.record(value) }
        if let value = number("replyq") { replyQueue.record(value) }
    }
}
