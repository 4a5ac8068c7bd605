import Foundation
import GatehouseKafka
import GatehouseOutbox
import GatehouseSignup

/// Makes a sign-up event durable, as the configured durability says, before its answer leaves.
protocol SignupRecorder: Sendable {
    /// Returns once the event is as durable as configured.
    ///
    /// - Throws: when it cannot be recorded; the gateway then follows its `on_unavailable` policy.
    func record(_ event: SignupEvent, fingerprint: SignupFingerprint, answer: ConnectorAnswer) async throws
}

extension SignupEvent {
    /// The event as a Kafka record: binary-mode CloudEvent keyed by the user key.
    func kafkaMessage(topic: String) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: topic,
            key: Array(userKey.utf8),
            value: dataBytes,
            headers: headers.map { KafkaHeader(key: $0.0, value: $0.1) },
            timestamp: time
        )
    }
}

/// `local`: the event goes into the fsync'd outbox; the publisher takes it to Kafka afterwards.
struct OutboxRecorder: SignupRecorder {
    let outbox: SQLiteOutbox
    let topic: String

    func record(_ event: SignupEvent, fingerprint: SignupFingerprint, answer: ConnectorAnswer) async throws {
        let record = OutboxRecord(
            eventID: event.id,
            fingerprint: fingerprint.hex,
            responseStatus: answer.status,
            responseBody: answer.body,
            message: event.kafkaMessage(topic: topic),
            createdAt: event.time
        )
        _ = try await outbox.append(record)
    }
}

/// `kafka`: the answer waits for the brokers' acknowledgement.
struct AcknowledgedRecorder: SignupRecorder {
    let producer: KafkaProducer
    let topic: String

    func record(_ event: SignupEvent, fingerprint: SignupFingerprint, answer: ConnectorAnswer) async throws {
        _ = try await producer.send(event.kafkaMessage(topic: topic))
    }
}

/// `none`: the event is handed to librdkafka's queue.
struct QueuedRecorder: SignupRecorder {
    let producer: KafkaProducer
    let topic: String

    func record(_ event: SignupEvent, fingerprint: SignupFingerprint, answer: ConnectorAnswer) async throws {
        try await producer.enqueue(event.kafkaMessage(topic: topic), to: .ignoring)
    }
}
