internal import CRdKafka
import Foundation

/// One delivery report, as the shim copies it out of librdkafka's event (`CRdKafka_event_deliveries`).
typealias RDKafkaDelivery = CRdKafka_delivery

extension RDKafkaDelivery {
    /// The id the producer gave the message (librdkafka's per-message opaque).
    var messageID: UInt64 { opaque }
    /// The message's topic handle, for ``RDKafkaClient/topicName(_:)``.
    var topicHandle: UInt { topic }
    /// librdkafka's error code; `0` for a delivered message.
    var error: Int32 { err }
    /// The broker's timestamp, or -1.
    var timestampMilliseconds: Int64 { timestamp_ms }

    /// A report of message `id` delivered at `offset`, as librdkafka gives one; for tests of the
    /// producer's state.
    init(delivered id: UInt64, offset: Int64) {
        self.init(
            opaque: id, topic: 0, offset: offset, timestamp_ms: -1, err: 0, partition: 0,
            status: Int32(RD_KAFKA_MSG_STATUS_PERSISTED.rawValue))
    }

    /// Whether the message may be in the topic despite an error.
    var persistence: KafkaError.Persistence {
        switch UInt32(bitPattern: status) {
        case RD_KAFKA_MSG_STATUS_NOT_PERSISTED.rawValue: .notPersisted
        case RD_KAFKA_MSG_STATUS_PERSISTED.rawValue: .persisted
        default: .possiblyPersisted
        }
    }
}

extension RDKafkaClient {
    /// Enqueues a message with librdkafka, to `topic`, this client's handle (``topicHandle(_:)``) for
    /// the message's topic. Returns librdkafka's error code (`0` on success, `__QUEUE_FULL` when the
    /// local queue is full).
    ///
    /// The key and headers are copied; the value is not. librdkafka reads it from the storage of
    /// `message.value` until it has reported the message, which spares a copy (and a larger allocation)
    /// of every payload. So the caller keeps that array alive, and unchanged, until the message's delivery
    /// report has been served, or hands its owner to ``retainUntilDestroyed(_:)``. A Swift array's storage
    /// does not move while it is alive and unmodified, and a copy made elsewhere only shares it.
    func produce(_ message: borrowing KafkaProducerMessage, id: UInt64, topic: SendablePointer) -> Int32 {
        guard let timestamp = message.kafkaTimestamp else { return RDKafkaErrorCodes.invalidArgument }
        return withHandle { handle in
            var headers: OpaquePointer?
            if !message.headers.isEmpty {
                let list = rd_kafka_headers_new(message.headers.count)
                for header in message.headers {
                    if let value = header.value {
                        value.withUnsafeBytes { bytes in
                            _ = rd_kafka_header_add(list, header.key, -1, bytes.baseAddress, bytes.count)
                        }
                    } else {
                        _ = rd_kafka_header_add(list, header.key, -1, nil, 0)
                    }
                }
                headers = list
            }
            let partition = message.partitionOrUnassigned
            let opaque = UnsafeMutableRawPointer(bitPattern: UInt(id))
            let result = Self.withOptionalBytes(message.key) { key, keyLength in
                Self.withOptionalBytes(message.value) { value, valueLength in
                    CRdKafka_produce(
                        handle, topic.pointer, partition, key, keyLength, value, valueLength, headers, timestamp, opaque
                    )
                }
            }
            if result != RD_KAFKA_RESP_ERR_NO_ERROR, let headers {
                rd_kafka_headers_destroy(headers)
            }
            return result.rawValue
        }
    }

    private static func withOptionalBytes<T>(
        _ bytes: [UInt8]?,
        _ body: (UnsafeRawPointer?, Int) -> T
    ) -> T {
        guard let bytes else { return body(nil, 0) }
        return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
    }

    /// Copies the delivery reports out of a DR event.
    func deliveries(in event: RDKafkaEvent) -> [RDKafkaDelivery] {
        let capacity = event.messageCount
        guard capacity > 0 else { return [] }
        return [RDKafkaDelivery](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            initialized = event.withPointer { CRdKafka_event_deliveries($0, buffer.baseAddress, capacity) }
        }
    }

    /// Waits until every message is delivered or `timeout` passes. Blocking; while it waits, the event
    /// loop must keep serving the queue, because with the event API flush does not serve it.
    func flush(timeoutMilliseconds: Int32) -> Int32 {
        withHandle { rd_kafka_flush($0, timeoutMilliseconds).rawValue }
    }

    /// Purges queued and in-flight messages; each gets a delivery report with a purge error.
    func purgeAll() {
        withHandle { handle in
            _ = rd_kafka_purge(
                handle,
                Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING)
            )
        }
    }

    /// Messages waiting to be sent, acknowledged, or served as events.
    var outstandingCount: Int32 {
        withHandle { rd_kafka_outq_len($0) }
    }

    /// Fabricates a fatal error, as librdkafka's own tests do.
    func raiseFatalError(code: Int32, reason: String) {
        withHandle { _ = rd_kafka_test_fatal_error($0, rd_kafka_resp_err_t(code), reason) }
    }
}

extension KafkaProducerMessage {
    /// The timestamp in milliseconds since 1970, as librdkafka takes it: 0 for the time of sending, and
    /// nil for a timestamp Kafka cannot hold (infinite, or beyond 64 bits of milliseconds).
    var kafkaTimestamp: Int64? {
        guard !timestampSeconds.isNaN else { return 0 }
        return Int64(exactly: ((timestampSeconds + Date.timeIntervalBetween1970AndReferenceDate) * 1000).rounded())
    }
}

extension RDKafkaDelivery {
    /// The outcome to hand to the handler of a message published to `topic`.
    func result(topic: String) -> Result<KafkaDeliveryReport, KafkaError> {
        guard error == RDKafkaErrorCodes.noError else {
            return .failure(.librdkafka(error, context: "message \(messageID) to '\(topic)' failed", persistence: persistence))
        }
        return .success(
            KafkaDeliveryReport(
                messageID: KafkaMessageID(messageID),
                topicPartition: KafkaTopicPartition(topic: topic, partition: partition),
                offset: offset >= 0 ? offset : nil,
                timestamp: timestampMilliseconds >= 0 ? Date(timeIntervalSince1970: Double(timestampMilliseconds) / 1000) : nil
            )
        )
    }
}
