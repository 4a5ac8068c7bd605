import Foundation
import Logging
import Metrics
import Synchronization

extension KafkaConsumer {
    /// The most messages handed to the reading task at once.
    static let maximumBatch = 256

    /// The poll thread's whole life: start reading, serve the queue until asked to stop, then close.
    func runLoop() {
        var skipBefore: [KafkaTopicPartition: Int64] = [:]
        do {
            skipBefore = try start()
        } catch {
            logger.error("Kafka consumer cannot start: \(error)")
            continuation.finish(throwing: error)
            client.closeConsumer { _ in }
            return
        }
        var failure: KafkaError?
        // Messages ready at once are handed over as one batch: one wake-up of the reading task per
        // batch rather than per message. A batch goes out when the queue has nothing more at once,
        // when it is full, when the buffer has no free place, or before any other event.
        var batch: [KafkaConsumerMessage] = []
        func handOver() {
            guard !batch.isEmpty else { return }
            metrics.consumed.increment(by: Int64(batch.count))
            continuation.yield(batch)
            batch.removeAll(keepingCapacity: true)
        }
        while !loop.shouldStop {
            if batch.isEmpty {
                slots.wait()
            } else if batch.count >= Self.maximumBatch || slots.wait(timeout: .now()) != .success {
                handOver()
                slots.wait()
            }
            if loop.shouldStop { break }
            guard let event = client.pollEvent(timeoutMilliseconds: batch.isEmpty ? 1000 : 0) else {
                slots.signal()
                handOver()
                continue
            }
            var delivered = false
            // Any other event goes after the messages before it.
            if case .fetch = event.kind {} else { handOver() }
            switch event.kind {
            case .fetch:
                delivered = deliver(client.fetched(from: event), skipBefore: &skipBefore, into: &batch)
            case .rebalance:
                handleRebalance(event)
            case .error:
                if event.isFatal {
                    failure = client.fatalError ?? .librdkafka(event.errorCode, context: event.errorString, isFatal: true)
                } else {
                    metrics.errors.increment()
                    logger.warning(
                        "Kafka consumer error: \(event.errorString)",
                        metadata: [KafkaLoggingKeys.error: "\(KafkaError.Code.librdkafka(event.errorCode))"]
                    )
                }
            case .log:
                RDKafkaLogging.forward(event, client: client.name, to: logger)
            case .statistics:
                if let json = event.statisticsJSON { metrics.statistics.record(json) }
            case .offsetCommit:
                let code = event.errorCode
                if code != RDKafkaErrorCodes.noError && code != RDKafkaErrorCodes.noOffset {
                    // During a rebalance the coordinator refuses commits; the next interval retries.
                    logger.log(
                        level: code == RDKafkaErrorCodes.rebalanceInProgress ? .debug : .warning,
                        "Offset commit failed: \(event.errorString)",
                        metadata: [KafkaLoggingKeys.error: "\(KafkaError.Code.librdkafka(code))"]
                    )
                }
            default:
                break
            }
            event.destroy()
            if !delivered { slots.signal() }
            if let failure {
                logger.error("Kafka consumer fatal error: \(failure.message)")
                break
            }
        }
        handOver()
        client.closeConsumer { event in
            if case .rebalance = event.kind { handleRebalance(event) }
        }
        if configuration.subscription.joinsGroup && !assignedOnce.load(ordering: .acquiring) {
            // librdkafka 2.0.2 aborts the process (an assertion in rd_kafka_sticky_assignor_state_destroy)
            // when a cooperative-sticky member is destroyed after joining its group but before its first
            // assignment: a worker stopped while its group is still forming (librdkafka #4312, fixed in
            // 2.3.0). Such an instance is closed but never destroyed; its threads end with the process.
            client.abandonAtDeinit()
            logger.debug(
                "Closed before the group's first assignment; the librdkafka instance is left to the process's exit",
                metadata: [KafkaLoggingKeys.client: "\(client.name)"])
        }
        if let failure {
            continuation.finish(throwing: failure)
        } else {
            continuation.finish()
        }
        logger.debug("Kafka consumer closed", metadata: [KafkaLoggingKeys.client: "\(client.name)"])
    }

    /// Subscribes or assigns. Returns, per partition, the timestamp (milliseconds) before which messages
    /// are skipped, for timestamp starts the broker could not look up.
    private func start() throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let timeout = Int32(clamping: configuration.lookupTimeout.milliseconds)
        switch configuration.subscription.base {
        case .group(let id, let topics):
            let result = client.subscribe(topics)
            guard result == RDKafkaErrorCodes.noError else {
                throw .librdkafka(result, context: "subscribe group '\(id)' to \(topics)")
            }
            logger.info(
                "Joined consumer group",
                metadata: [KafkaLoggingKeys.group: "\(id)", KafkaLoggingKeys.topic: "\(topics.joined(separator: ","))"]
            )
            return [:]
        case .partitions(let positions, _):
            return try assign(positions, timeout: timeout)
        case .topics(let topics, let start, _):
            var positions: [KafkaTopicPartition: KafkaStartPosition] = [:]
            for topic in topics {
                for partition in try client.partitionIDs(of: topic, timeoutMilliseconds: timeout).get() {
                    positions[KafkaTopicPartition(topic: topic, partition: partition)] = start
                }
            }
            return try assign(positions, timeout: timeout)
        }
    }

    private func assign(
        _ positions: [KafkaTopicPartition: KafkaStartPosition],
        timeout: Int32
    ) throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        var offsets: [KafkaTopicPartition: Int64] = [:]
        var timestamps: [KafkaTopicPartition: Int64] = [:]
        // "The end" is resolved now, so that it means the end when the consumer started, and a message
        // published right after start-up is read.
        let atEnd = positions.filter { $0.value.base == .end }.map(\.key)
        let ends = atEnd.isEmpty ? [:] : try client.queryWatermarks(atEnd, timeoutMilliseconds: timeout).get()
        for (partition, position) in positions {
            switch position.base {
            case .beginning: offsets[partition] = RDKafkaClient.offsetBeginning
            case .end:
                guard let marks = ends[partition] else { throw KafkaError.unknownPartition(partition) }
                offsets[partition] = marks.high
            case .offset(let offset): offsets[partition] = offset
            case .timestamp(let date): timestamps[partition] = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
            }
        }
        var skipBefore: [KafkaTopicPartition: Int64] = [:]
        if !timestamps.isEmpty {
            let found = (try? client.offsetsForTimes(timestamps, timeoutMilliseconds: timeout).get()) ?? [:]
            for (partition, timestamp) in timestamps {
                if let offset = found[partition], offset >= 0 {
                    offsets[partition] = offset
                } else {
                    // No offset from the broker: scan from the beginning and skip older messages.
                    offsets[partition] = RDKafkaClient.offsetBeginning
                    skipBefore[partition] = timestamp
                }
            }
            if !skipBefore.isEmpty {
                logger.info(
                    "The broker found no offset for the start time; scanning from the beginning instead",
                    metadata: [KafkaLoggingKeys.partitions: "\(skipBefore.keys.map(\.description).sorted())"]
                )
            }
        }
        let entries = offsets.map {
            RDKafkaTopicPartitionList.Entry(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value, error: 0)
        }
        tracker.withLock { $0.assign(Array(offsets.keys)) }
        let result = client.assign(entries)
        guard result == RDKafkaErrorCodes.noError else {
            throw .librdkafka(result, context: "assign \(offsets.keys.map(\.description).sorted())")
        }
        // A consumer that reads nothing (a probe for metadata and watermarks) is not worth a line.
        logger.log(
            level: positions.isEmpty ? .debug : .info,
            "Assigned partitions by hand",
            metadata: [KafkaLoggingKeys.partitions: "\(positions.map { "\($0.key)@\($0.value)" }.sorted())"]
        )
        return skipBefore
    }

    /// Hands a fetched message to the application; returns whether it took a buffer place.
    private func deliver(
        _ fetch: RDKafkaFetch?, skipBefore: inout [KafkaTopicPartition: Int64], into batch: inout [KafkaConsumerMessage]
    ) -> Bool {
        switch fetch {
        case .message(let topicPartition, let offset, let key, let value, let headers, let timestamp):
            if let threshold = skipBefore[topicPartition] {
                let milliseconds = timestamp.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? Int64.min
                if milliseconds < threshold { return false }
                // Like the broker's lookup: everything from the first message at or after the time.
                skipBefore[topicPartition] = nil
            }
            guard let epoch = tracker.withLock({ $0.delivered(topicPartition, offset: offset) }) else { return false }
            batch.append(
                KafkaConsumerMessage(
                    topicPartition: topicPartition,
                    offset: offset,
                    key: key,
                    value: value,
                    headers: headers,
                    timestamp: timestamp,
                    assignmentEpoch: epoch
                )
            )
            return true
        case .error(let code, let text, let topicPartition):
            if code != RDKafkaErrorCodes.partitionEOF {
                metrics.errors.increment()
                logger.warning(
                    "Kafka fetch error: \(text)",
                    metadata: [
                        KafkaLoggingKeys.error: "\(KafkaError.Code.librdkafka(code))",
                        KafkaLoggingKeys.partitions: "\(topicPartition?.description ?? "-")",
                    ]
                )
            }
            return false
        case nil:
            return false
        }
    }

    /// Applies a group rebalance. On revocation the stored offsets are committed first (unless the
    /// partitions were lost, when they may already belong to someone else).
    func handleRebalance(_ event: RDKafkaEvent) {
        let partitions = event.topicPartitions.map { KafkaTopicPartition(topic: $0.topic, partition: $0.partition) }
        let listed = partitions.map(\.description).sorted().joined(separator: ",")
        metrics.rebalances.increment()
        switch event.errorCode {
        case RDKafkaErrorCodes.assignPartitions:
            tracker.withLock { $0.assign(partitions) }
            assignedOnce.store(true, ordering: .releasing)
            let result = client.applyRebalance(event, assign: true)
            logger.info(
                "Partitions assigned",
                metadata: [
                    KafkaLoggingKeys.group: "\(configuration.subscription.groupID ?? "")", KafkaLoggingKeys.partitions: "\(listed)",
                    KafkaLoggingKeys.error: "\(KafkaError.Code.librdkafka(result))",
                ]
            )
        case RDKafkaErrorCodes.revokePartitions:
            let lost = client.assignmentLost
            if !lost {
                let result = client.commitStoredOffsets(timeoutMilliseconds: Int32(clamping: configuration.commitTimeout.milliseconds))
                if result != RDKafkaErrorCodes.noError && result != RDKafkaErrorCodes.noOffset {
                    logger.warning(
                        "Commit on revocation failed; messages after the last commit may be delivered again",
                        metadata: [KafkaLoggingKeys.error: "\(KafkaError.Code.librdkafka(result))"]
                    )
                }
            }
            tracker.withLock { $0.revoke(partitions) }
            _ = client.applyRebalance(event, assign: false)
            logger.info(
                lost ? "Partitions lost" : "Partitions revoked",
                metadata: [KafkaLoggingKeys.group: "\(configuration.subscription.groupID ?? "")", KafkaLoggingKeys.partitions: "\(listed)"]
            )
        default:
            logger.warning("Rebalance error: \(event.errorString); unassigning")
            tracker.withLock { $0.revoke($0.assigned) }
            _ = client.applyRebalance(event, assign: false)
        }
    }
}
