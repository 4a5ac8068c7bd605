import Foundation
public import GatehouseKafka
import GatehouseSignup
import Synchronization

/// Re-publishes events to a topic with their original key, value and headers, plus a replay marker
/// (`gatehouse_replayed_at`, and `gatehouse_replayed_from` naming the original topic, partition and
/// offset), so consumers can tell a replay from the original.
public final class TopicDestination: ReplayDestination {
    private let producer: KafkaProducer
    private let topic: String
    private let replayedAt = SignupEvent.timestamp(Date())
    private let failure = Mutex<(any Error)?>(nil)

    public init(producer: KafkaProducer, topic: String) {
        self.producer = producer
        self.topic = topic
    }

    public func deliver(_ record: KafkaConsumerMessage) async throws -> Bool {
        if let error = failure.withLock({ $0 }) { throw error }
        var headers = record.headers.filter { $0.key != "gatehouse_replayed_at" && $0.key != "gatehouse_replayed_from" }
        headers.append(KafkaHeader(key: "gatehouse_replayed_at", value: replayedAt))
        headers.append(KafkaHeader(key: "gatehouse_replayed_from", value: "\(record.topic)/\(record.partition)@\(record.offset)"))
        let message = KafkaProducerMessage(
            topic: topic, key: record.key, value: record.value, headers: headers, timestamp: record.timestamp)
        try await producer.enqueue(message) { [self] result in
            if case .failure(let error) = result { self.failure.withLock { $0 = $0 ?? error } }
        }
        return true
    }

    public func finish() async throws -> Int {
        await producer.shutdown()
        if let error = failure.withLock({ $0 }) { throw ReplayError("some events were not re-published: \(error)") }
        return 0
    }
}
