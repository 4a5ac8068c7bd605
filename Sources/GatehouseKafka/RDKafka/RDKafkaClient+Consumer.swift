internal import CRdKafka
import Foundation

/// One fetched message, copied out of librdkafka, or the error a fetch event carried.
enum RDKafkaFetch {
    case message(
        topicPartition: KafkaTopicPartition, offset: Int64, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader], timestamp: Date?)
    case error(code: Int32, text: String, topicPartition: KafkaTopicPartition?)
}

extension RDKafkaClient {
    /// Copies the message of a fetch event.
    func fetched(from event: RDKafkaEvent) -> RDKafkaFetch? {
        var result: RDKafkaFetch?
        event.forEachMessage { message in
            let raw = message.pointee
            let topicPartition = raw.rkt.map {
                KafkaTopicPartition(topic: String(cString: rd_kafka_topic_name($0)), partition: raw.partition)
            }
            if raw.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let text = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? ""
                result = .error(code: raw.err.rawValue, text: text, topicPartition: topicPartition)
                return
            }
            var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let milliseconds = rd_kafka_message_timestamp(message, &timestampType)
            result = .message(
                topicPartition: topicPartition ?? KafkaTopicPartition(topic: "", partition: raw.partition),
                offset: raw.offset,
                key: Self.bytes(raw.key, raw.key_len),
                value: Self.bytes(raw.payload, raw.len),
                headers: Self.headers(of: message),
                timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
                    ? nil : Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            )
        }
        return result
    }

    private static func bytes(_ pointer: UnsafeMutableRawPointer?, _ count: Int) -> [UInt8]? {
        guard let pointer else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    private static func headers(of message: UnsafePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [KafkaHeader] = []
        headers.reserveCapacity(rd_kafka_header_cnt(list))
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { break }
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return headers
    }

    func subscribe(_ topics: [String]) -> Int32 {
        let list = RDKafkaTopicPartitionList(topics.map { .init(topic: $0, partition: RD_KAFKA_PARTITION_UA, offset: 0, error: 0) })
        return withHandle { handle in list.withPointer { rd_kafka_subscribe(handle, $0).rawValue } }
    }

    var usesCooperativeRebalancing: Bool {
        withHandle { handle in
            rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        }
    }

    var assignmentLost: Bool {
        withHandle { rd_kafka_assignment_lost($0) != 0 }
    }

    /// Applies the partitions of a rebalance event: assign or unassign, eager or cooperative.
    func applyRebalance(_ event: RDKafkaEvent, assign: Bool) -> Int32 {
        let cooperative = usesCooperativeRebalancing
        return withHandle { handle in
            event.withTopicPartitionList { list in
                if cooperative {
                    let error = assign ? rd_kafka_incremental_assign(handle, list) : rd_kafka_incremental_unassign(handle, list)
                    defer { if let error { rd_kafka_error_destroy(error) } }
                    return error.map { rd_kafka_error_code($0).rawValue } ?? 0
                }
                return rd_kafka_assign(handle, assign ? list : nil).rawValue
            }
        }
    }

    /// Assigns partitions by hand, each from its offset (or a logical offset such as
    /// `RD_KAFKA_OFFSET_BEGINNING`).
    func assign(_ entries: [RDKafkaTopicPartitionList.Entry]) -> Int32 {
        let list = RDKafkaTopicPartitionList(entries)
        return withHandle { handle in list.withPointer { rd_kafka_assign(handle, $0).rawValue } }
    }

    /// Stores `offset` (the next offset to read) for commit.
    func storeOffset(_ topicPartition: KafkaTopicPartition, offset: Int64) -> Int32 {
        let list = RDKafkaTopicPartitionList([
            .init(topic: topicPartition.topic, partition: topicPartition.partition, offset: offset, error: 0)
        ])
        return withHandle { handle in
            list.withPointer { pointer in
                let result = rd_kafka_offsets_store(handle, pointer).rawValue
                return result != 0 ? result : (list.entries.first?.error ?? 0)
            }
        }
    }

    /// Commits the stored offsets of the current assignment and waits for the broker's answer, at most
    /// `timeoutMilliseconds` (`rd_kafka_commit` would wait for an unreachable coordinator forever).
    /// Blocking. Returns the commit's error code, or `timedOut` when no answer came in time.
    func commitStoredOffsets(timeoutMilliseconds: Int32) -> Int32 {
        withHandle { handle in
            guard let queue = rd_kafka_queue_new(handle) else { return RDKafkaErrorCodes.timedOut }
            defer { rd_kafka_queue_destroy(queue) }
            let requested = rd_kafka_commit_queue(handle, nil, queue, nil, nil)
            guard requested == RD_KAFKA_RESP_ERR_NO_ERROR else { return requested.rawValue }
            guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds) else { return RDKafkaErrorCodes.timedOut }
            defer { rd_kafka_event_destroy(event) }
            return rd_kafka_event_error(event).rawValue
        }
    }

    func pause(_ partitions: [KafkaTopicPartition], resume: Bool) -> Int32 {
        let list = RDKafkaTopicPartitionList(partitions.map { .init(topic: $0.topic, partition: $0.partition, offset: 0, error: 0) })
        return withHandle { handle in
            list.withPointer { resume ? rd_kafka_resume_partitions(handle, $0).rawValue : rd_kafka_pause_partitions(handle, $0).rawValue }
        }
    }

    /// The next offset the application will read, per partition (`RD_KAFKA_OFFSET_INVALID` if unknown).
    func positions(_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: Int64] {
        let list = RDKafkaTopicPartitionList(partitions.map { .init(topic: $0.topic, partition: $0.partition, offset: 0, error: 0) })
        _ = withHandle { handle in list.withPointer { rd_kafka_position(handle, $0) } }
        var result: [KafkaTopicPartition: Int64] = [:]
        for entry in list.entries where entry.error == 0 {
            result[KafkaTopicPartition(topic: entry.topic, partition: entry.partition)] = entry.offset
        }
        return result
    }

    /// The low and high watermarks librdkafka last saw while fetching; non-blocking.
    func cachedWatermarks(_ partition: KafkaTopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let result = withHandle { rd_kafka_get_watermark_offsets($0, partition.topic, partition.partition, &low, &high) }
        return result == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? (low, high) : nil
    }

    /// The low and high watermarks of many partitions at once: two ListOffsets requests per leader
    /// (earliest, then latest) instead of two per partition. Blocking. Fails when any partition fails.
    func queryWatermarks(
        _ partitions: [KafkaTopicPartition], timeoutMilliseconds: Int32
    ) -> Result<[KafkaTopicPartition: (low: Int64, high: Int64)], KafkaError> {
        guard !partitions.isEmpty else { return .success([:]) }
        func lookUp(_ timestamp: Int64) -> Result<[KafkaTopicPartition: Int64], KafkaError> {
            let list = RDKafkaTopicPartitionList(
                partitions.map { .init(topic: $0.topic, partition: $0.partition, offset: timestamp, error: 0) })
            let result = withHandle { handle in list.withPointer { rd_kafka_offsets_for_times(handle, $0, timeoutMilliseconds) } }
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
                return .failure(.librdkafka(result.rawValue, context: "watermarks of \(partitions.count) partitions"))
            }
            var offsets: [KafkaTopicPartition: Int64] = [:]
            for entry in list.entries {
                let partition = KafkaTopicPartition(topic: entry.topic, partition: entry.partition)
                guard entry.error == 0 else { return .failure(.librdkafka(entry.error, context: "watermarks of \(partition)")) }
                offsets[partition] = entry.offset
            }
            return .success(offsets)
        }
        return lookUp(Self.offsetBeginning).flatMap { lows in
            lookUp(Self.offsetEnd).map { highs in
                var marks: [KafkaTopicPartition: (low: Int64, high: Int64)] = [:]
                for (partition, high) in highs { marks[partition] = (lows[partition] ?? high, high) }
                return marks
            }
        }
    }

    /// The partition ids of `topic`, from the cluster's metadata. Blocking.
    func partitionIDs(of topic: String, timeoutMilliseconds: Int32) -> Result<[Int32], KafkaError> {
        guard let topicHandle = topicHandle(topic) else {
            return .failure(.configuration("invalid topic name '\(topic)'"))
        }
        return withHandle { handle in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let result = rd_kafka_metadata(handle, 0, topicHandle.pointer, &metadata, timeoutMilliseconds)
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                return .failure(.librdkafka(result.rawValue, context: "metadata of '\(topic)'"))
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            guard metadata.pointee.topic_cnt > 0 else { return .failure(.librdkafka(3, context: "topic '\(topic)'")) }
            let described = metadata.pointee.topics[0]
            if described.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                return .failure(.librdkafka(described.err.rawValue, context: "topic '\(topic)'"))
            }
            return .success((0..<Int(described.partition_cnt)).map { described.partitions[$0].id }.sorted())
        }
    }

    /// Looks up the first offset at or after each timestamp (milliseconds). Blocking. A partition the
    /// broker finds nothing for comes back as `RD_KAFKA_OFFSET_END` (-1).
    func offsetsForTimes(_ timestamps: [KafkaTopicPartition: Int64], timeoutMilliseconds: Int32) -> Result<
        [KafkaTopicPartition: Int64], KafkaError
    > {
        let list = RDKafkaTopicPartitionList(
            timestamps.map { .init(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value, error: 0) })
        let result = withHandle { handle in list.withPointer { rd_kafka_offsets_for_times(handle, $0, timeoutMilliseconds) } }
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            return .failure(.librdkafka(result.rawValue, context: "timestamp lookup"))
        }
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for entry in list.entries {
            offsets[KafkaTopicPartition(topic: entry.topic, partition: entry.partition)] = entry.error == 0 ? entry.offset : -1
        }
        return .success(offsets)
    }

    /// Leaves the group: serves the close queue (which carries the final revocation) until librdkafka
    /// says the consumer is closed. Blocking; `onEvent` handles each event, including the rebalance.
    func closeConsumer(onEvent: (RDKafkaEvent) -> Void) {
        withHandle { handle in
            guard let queue = rd_kafka_queue_new(handle) else { return }
            defer { rd_kafka_queue_destroy(queue) }
            if let error = rd_kafka_consumer_close_queue(handle, queue) {
                rd_kafka_error_destroy(error)
                return
            }
            while rd_kafka_consumer_closed(handle) == 0 {
                guard let event = rd_kafka_queue_poll(queue, 100) else { continue }
                let wrapped = RDKafkaEvent(event)
                onEvent(wrapped)
                wrapped.destroy()
            }
        }
    }

    static let offsetBeginning = Int64(RD_KAFKA_OFFSET_BEGINNING)
    static let offsetEnd = Int64(RD_KAFKA_OFFSET_END)
    static let offsetStored = Int64(RD_KAFKA_OFFSET_STORED)
}

extension KafkaError {
    /// A partition that a lookup's answer left out.
    static func unknownPartition(_ partition: KafkaTopicPartition) -> KafkaError {
        .librdkafka(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION.rawValue, context: "\(partition)")
    }
}
