import Foundation
@_spi(Testing) import GatehouseKafka
import GatehouseTestSupport
import Synchronization
import Testing

@Suite struct ProducerTests {
    @Test func roundTripKeepsKeysHeadersAndValues() async throws {
        let topic = TestFixtures.unique("round-trip")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 3)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            var reports: [KafkaDeliveryReport] = []
            for index in 0..<3 {
                let message = KafkaProducerMessage(
                    topic: topic,
                    key: "user-\(index)",
                    value: "{\"n\":\(index)}",
                    headers: [KafkaHeader(key: "ce_id", value: "event-\(index)"), KafkaHeader(key: "empty", value: nil)]
                )
                reports.append(try await producer.send(message))
            }
            // The thread that took the reports is named (Linux refuses a name over 15 bytes).
            #expect(TestFixtures.threadNames().contains { $0.hasPrefix("gh-producer-") })
            await producer.shutdown()
            #expect(reports.allSatisfy { $0.topicPartition.topic == topic && $0.offset != nil })

            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: 3)
            let byKey = Dictionary(uniqueKeysWithValues: messages.map { ($0.keyString ?? "", $0) })
            for index in 0..<3 {
                let message = try #require(byKey["user-\(index)"])
                #expect(message.valueString == "{\"n\":\(index)}")
                #expect(message.headers == [KafkaHeader(key: "ce_id", value: "event-\(index)"), KafkaHeader(key: "empty", value: nil)])
                let report = try #require(reports.first { $0.messageID.rawValue == UInt64(index + 1) })
                #expect(report.topicPartition == message.topicPartition)
                #expect(report.offset == message.offset)
                #expect(message.timestamp != nil)
            }
        }
    }

    /// librdkafka reads each value from the caller's array without copying it. The producer keeps the
    /// array alive until the delivery report, so the caller may drop its own copy at once: here the freed
    /// sizes are allocated again and overwritten between sends, and every byte must still arrive.
    @Test func valuesArriveIntactAfterTheCallerDropsThem() async throws {
        let topic = TestFixtures.unique("payloads")
        let total = 2_000
        func payload(_ index: Int) -> [UInt8] {
            (0..<(512 + index % 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
        }
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 2)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            let outcomes = Outcomes()
            var churn: [[UInt8]] = []
            for index in 0..<total {
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: Array("\(index)".utf8), value: payload(index))) {
                    outcomes.record($0)
                }
                churn.append([UInt8](repeating: 0xEE, count: 512 + index % 1024))
                if churn.count == 64 { churn.removeAll() }
            }
            await producer.shutdown()
            #expect(outcomes.delivered == total)

            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: total, limit: .seconds(60))
            var intact = 0
            for message in messages {
                let index = try #require(Int(message.keyString ?? ""))
                if message.value == payload(index) { intact += 1 }
            }
            #expect(intact == total)
        }
    }

    /// Settled messages are handed back to be released by the next sender, off the delivery thread; with
    /// nothing outstanding, the delivery thread releases them itself, so an idle producer holds nothing.
    @Test func anIdleProducerHoldsNoSettledMessage() async throws {
        let topic = TestFixtures.unique("idle")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            let outcomes = Outcomes()
            // The handler holds the marker until the producer lets go of the settled message; the test
            // keeps only a weak reference.
            func send(_ index: Int) async throws -> WeakBox<Marker> {
                let marker = Marker()
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "k", value: "\(index)")) { result in
                    withExtendedLifetime(marker) { outcomes.record(result) }
                }
                return WeakBox(marker)
            }
            for index in 0..<3 {
                let marker = try await send(index)
                try await waitUntil("delivery \(index)", limit: .seconds(10)) { outcomes.delivered == index + 1 }
                try await waitUntil("the settled message \(index) is released", limit: .seconds(10)) { marker.isEmpty }
            }
            await producer.shutdown()
        }
    }

    @Test func perKeyOrderIsKeptAcrossTenThousandMessages() async throws {
        let topic = TestFixtures.unique("order")
        let total = 10_000
        let users = 64
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 4)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            let outcomes = Outcomes()
            for index in 0..<total {
                let user = index % users
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "user-\(user)", value: "\(index / users)")) {
                    outcomes.record($0)
                }
            }
            await producer.shutdown()
            #expect(outcomes.delivered == total)
            #expect(outcomes.failures.isEmpty)

            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: total, limit: .seconds(60))
            var next: [String: Int] = [:]
            var partitionOfKey: [String: Int32] = [:]
            for message in messages {
                let key = try #require(message.keyString)
                let sequence = try #require(Int(message.valueString ?? ""))
                #expect(sequence == next[key, default: 0], "key \(key) out of order")
                next[key] = sequence + 1
                if let partition = partitionOfKey[key] { #expect(partition == message.partition) }
                partitionOfKey[key] = message.partition
            }
            #expect(next.count == users)
            #expect(next.values.reduce(0, +) == total)
        }
    }

    @Test func retriableProduceErrorsStillWriteEachMessageOnce() async throws {
        let topic = TestFixtures.unique("retriable")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            // Warm up so that the errors hit produce requests, not the connection set-up.
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "warm", value: "0"))
            cluster.injectErrors([.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas], for: .produce)
            let outcomes = Outcomes()
            for index in 1...20 {
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "k", value: "\(index)")) { outcomes.record($0) }
            }
            await producer.shutdown()
            #expect(outcomes.delivered == 20)

            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: 21)
            #expect(messages.map(\.valueString) == (0...20).map { "\($0)" })
            let reader = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(cluster, .topics([topic], from: .beginning)),
                logger: TestFixtures.logger("watermarks")
            )
            let watermarks = try await reader.watermarks(of: KafkaTopicPartition(topic: topic, partition: 0))
            await reader.close()
            #expect(watermarks.high == 21, "each message once: no duplicate appended by a retry")
        }
    }

    @Test func permanentProduceErrorReachesTheCallerAsATypedError() async throws {
        let topic = TestFixtures.unique("permanent")
        let other = TestFixtures.unique("other")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1), .init(name: other, partitions: 1)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "warm", value: "0"))
            cluster.injectErrors([.topicAuthorizationFailed], for: .produce)
            let error = await #expect(throws: KafkaError.self) {
                try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "denied"))
            }
            #expect(error?.code == .topicAuthorizationFailed)
            #expect(error?.isRetriable == false)
            #expect(error?.isFatal == false)
            // The producer is still usable afterwards (librdkafka remembers the topic's error for a while).
            let report = try await producer.send(KafkaProducerMessage(topic: other, key: "k", value: "allowed"))
            #expect(report.topicPartition.partition == 0)
            await producer.shutdown()
        }
    }

    @Test func fatalErrorRecreatesTheProducerAndDeliversEveryMessage() async throws {
        let topic = TestFixtures.unique("fatal")
        let total = 2_000
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 2)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            let outcomes = Outcomes()
            for index in 0..<total {
                if index == total / 2 { producer.injectFatalError() }
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "user-\(index % 10)", value: "\(index)")) {
                    outcomes.record($0)
                }
            }
            try await waitUntil("every delivery report") { outcomes.delivered + outcomes.failures.count == total }
            #expect(producer.generation >= 1, "the fatal error recreated the producer")
            #expect(outcomes.failures.isEmpty)
            #expect(outcomes.delivered == total)
            await producer.shutdown()

            let high = try await TestFixtures.messageCount(cluster, topic: topic, partitions: 2)
            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: Int(high))
            #expect(Set(messages.compactMap { Int($0.valueString ?? "") }) == Set(0..<total), "every message arrived")
        }
    }

    @Test func shutdownDeliversEverythingSentBeforeIt() async throws {
        let topic = TestFixtures.unique("shutdown")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 2)]) { cluster in
            var configuration = TestFixtures.producerConfiguration(cluster)
            configuration.linger = .milliseconds(200)
            let producer = try KafkaProducer(configuration: configuration, logger: TestFixtures.logger("producer"))
            let outcomes = Outcomes()
            for index in 0..<500 {
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "\(index)", value: "\(index)")) { outcomes.record($0) }
            }
            try await withDeadline(.seconds(20), "shutdown") { await producer.shutdown() }
            #expect(outcomes.delivered == 500)
            let error = await #expect(throws: KafkaError.self) {
                try await producer.send(KafkaProducerMessage(topic: topic, key: "late", value: "late"))
            }
            #expect(error?.code == .shutDown)
        }
    }

    @Test func shutdownWithTheBrokerDownReportsEachMessageAsFailed() async throws {
        let topic = TestFixtures.unique("shutdown-down")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            var configuration = TestFixtures.producerConfiguration(cluster)
            configuration.shutdownTimeout = .seconds(1)
            let producer = try KafkaProducer(configuration: configuration, logger: TestFixtures.logger("producer"))
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "warm", value: "0"))
            cluster.setBrokerDown()
            let outcomes = Outcomes()
            // Each handler holds a marker; once the outcomes are reported, the producer must let go of
            // the handlers (the test keeps only weak references).
            var markers: [WeakBox<Marker>] = []
            for index in 0..<50 {
                let marker = Marker()
                markers.append(WeakBox(marker))
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "k", value: "\(index)")) { result in
                    withExtendedLifetime(marker) { outcomes.record(result) }
                }
            }
            try await withDeadline(.seconds(20), "shutdown with the broker down") { await producer.shutdown() }
            #expect(outcomes.delivered + outcomes.failures.count == 50, "every message has an outcome")
            #expect(outcomes.failures.count == 50)
            #expect(producer.outstandingCount == 0)
            let released = markers.filter { $0.isEmpty }.count
            #expect(released == 50, "the producer released every handler after shutdown")
        }
    }

    /// A producer dropped without shutdown, with messages outstanding, releases their handlers: their
    /// outcomes will never come, and nothing else would let go of them.
    @Test func aProducerDroppedWithMessagesOutstandingReleasesTheirHandlers() async throws {
        let topic = TestFixtures.unique("dropped")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            var markers: [WeakBox<Marker>] = []
            do {
                let producer = try KafkaProducer(
                    configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
                _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "warm", value: "0"))
                cluster.setBrokerDown()
                for index in 0..<5 {
                    let marker = Marker()
                    markers.append(WeakBox(marker))
                    try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "k", value: "\(index)")) { _ in
                        withExtendedLifetime(marker) {}
                    }
                }
                #expect(producer.outstandingCount == 5)
            }
            let held = markers
            try await waitUntil("the dropped producer released every handler", limit: .seconds(10)) {
                held.allSatisfy { $0.isEmpty }
            }
        }
    }

    @Test func sendWaitsWhenTheLocalQueueIsFull() async throws {
        let topic = TestFixtures.unique("queue-full")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            let outcomes = try await Self.enqueueThroughASmallQueue(300, to: [topic], cluster: cluster, latency: .milliseconds(50))
            #expect(outcomes.delivered == 300)
            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: 300)
            #expect(messages.map(\.valueString) == (0..<300).map { "\($0)" }, "waiting kept the order")
        }
    }

    /// A sender waiting for room is cancelled: its message is withdrawn, never written and never
    /// reported, and the messages around it are delivered.
    @Test func cancellingASenderWaitingForRoomWithdrawsItsMessage() async throws {
        let topic = TestFixtures.unique("cancel-waiting")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            var configuration = TestFixtures.producerConfiguration(cluster)
            configuration.queueCapacity = 10  // librdkafka holds 10; one more may wait in the backlog
            let producer = try KafkaProducer(configuration: configuration, logger: TestFixtures.logger("producer"))
            // Nothing is acknowledged for a while, so the queue stays full while the test cancels.
            cluster.setLatency(.seconds(3))
            let outcomes = Outcomes()
            for index in 0..<11 {
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "k", value: "\(index)")) { outcomes.record($0) }
            }
            let waiting = Task {
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "k", value: "cancelled")) { outcomes.record($0) }
            }
            try await waitUntil("the twelfth sender waits for room") { producer.outstandingCount == 12 }
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            #expect(producer.outstandingCount == 11, "the cancelled message was withdrawn")
            cluster.setLatency(.zero)
            try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "k", value: "11")) { outcomes.record($0) }
            await producer.shutdown()
            #expect(outcomes.delivered == 12 && outcomes.failures.isEmpty, "only the cancelled message has no outcome")
            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: 12)
            #expect(messages.map(\.valueString) == (0..<12).map { "\($0)" })
        }
    }

    @Test func batchEnqueueDeliversEveryMessageInOrder() async throws {
        let topic = TestFixtures.unique("batch")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            var configuration = TestFixtures.producerConfiguration(cluster)
            configuration.queueCapacity = 100
            let producer = try KafkaProducer(configuration: configuration, logger: TestFixtures.logger("producer"))
            let outcomes = Outcomes()
            var ids: [KafkaMessageID] = []
            for batch in 0..<5 {
                let messages = (0..<200).map { KafkaProducerMessage(topic: topic, key: "k", value: "\(batch * 200 + $0)") }
                ids += try await producer.enqueue(contentsOf: messages) { outcomes.record($0) }
            }
            await producer.shutdown()
            #expect(ids == ids.sorted() && Set(ids).count == 1000)
            #expect(outcomes.delivered == 1000)
            let read = try await TestFixtures.readTopic(cluster, topic: topic, count: 1000)
            #expect(read.map(\.valueString) == (0..<1000).map { "\($0)" })
        }
    }

    @Test func anExplicitPartitionAndTimestampReachTheTopic() async throws {
        let topic = TestFixtures.unique("placed")
        // Whole milliseconds: Kafka keeps a record's timestamp to the millisecond.
        let timestamp = Date(timeIntervalSince1970: 1_700_000_000.123)
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 3)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            let report = try await producer.send(
                KafkaProducerMessage(topic: topic, partition: 2, key: Array("k".utf8), value: Array("v".utf8), timestamp: timestamp))
            await producer.shutdown()
            #expect(report.topicPartition.partition == 2)
            let read = try #require(try await TestFixtures.readTopic(cluster, topic: topic, count: 1).first)
            #expect(read.topicPartition.partition == 2)
            #expect(read.timestamp.map { Int(($0.timeIntervalSince1970 * 1000).rounded()) } == 1_700_000_000_123)
        }
    }

    /// The producer keeps the handle of the last topic it wrote to; messages that switch between topics,
    /// on the direct path and from the backlog (a queue of 10, with the broker slowed), each reach their own.
    @Test func messagesSwitchingBetweenTopicsEachReachTheirOwn() async throws {
        let topics = (0..<3).map { TestFixtures.unique("switch-\($0)") }
        try await TestFixtures.withCluster(topics: topics.map { .init(name: $0, partitions: 1) }) { cluster in
            let outcomes = try await Self.enqueueThroughASmallQueue(300, to: topics, cluster: cluster, latency: .milliseconds(20))
            #expect(outcomes.delivered == 300 && outcomes.failures.isEmpty)
            for (offset, topic) in topics.enumerated() {
                let read = try await TestFixtures.readTopic(cluster, topic: topic, count: 100)
                #expect(read.map(\.valueString) == stride(from: offset, to: 300, by: 3).map { "\($0)" })
            }
        }
    }

    /// Enqueues `count` messages, valued 0, 1, 2 and so on and spread over `topics` in turn, through a
    /// producer whose local queue holds 10, with the broker slowed by `latency`; shuts the producer down
    /// and returns the outcomes.
    private static func enqueueThroughASmallQueue(
        _ count: Int, to topics: [String], cluster: EmbeddedKafkaCluster, latency: Duration
    ) async throws -> Outcomes {
        var configuration = TestFixtures.producerConfiguration(cluster)
        configuration.queueCapacity = 10
        let producer = try KafkaProducer(configuration: configuration, logger: TestFixtures.logger("producer"))
        cluster.setLatency(latency)
        let outcomes = Outcomes()
        for index in 0..<count {
            let message = KafkaProducerMessage(topic: topics[index % topics.count], key: "k", value: "\(index)")
            try await producer.enqueue(message) { outcomes.record($0) }
        }
        await producer.shutdown()
        return outcomes
    }

    /// A timestamp Kafka cannot hold is refused with a precise error, before librdkafka sees it, and the
    /// producer goes on.
    @Test func aTimestampKafkaCannotHoldIsRefused() async throws {
        let topic = TestFixtures.unique("bad-timestamp")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            for seconds in [Double.infinity, -Double.infinity, 1e300] {
                let message = KafkaProducerMessage(
                    topic: topic, key: nil, value: Array("v".utf8), timestamp: Date(timeIntervalSince1970: seconds))
                let error = await #expect(throws: KafkaError.self) { try await producer.send(message) }
                #expect(error?.message.contains("timestamp of a message for '\(topic)'") == true)
                #expect(error?.isSafeToRetry == true)
            }
            let report = try await producer.send(KafkaProducerMessage(topic: topic, key: nil, value: "after"))
            #expect(report.offset == 0, "only the valid message was written")
            await producer.shutdown()
        }
    }

    /// The partition and timestamp are stored without optionals (see `KafkaProducerMessage`); they must
    /// still read back as they were set.
    @Test func aMessageKeepsItsPartitionAndTimestampAsSet() {
        let date = Date(timeIntervalSinceReferenceDate: 12_345.678_9)
        var message = KafkaProducerMessage(topic: "t", value: nil)
        #expect(message.partition == nil && message.timestamp == nil)
        message.partition = 0
        message.timestamp = date
        #expect(message.partition == 0 && message.timestamp == date)
        message.partition = 7
        #expect(message.partition == 7)
        message.partition = nil
        message.timestamp = nil
        #expect(message.partition == nil && message.timestamp == nil)
        #expect(KafkaProducerMessage(topic: "t", partition: 4, value: nil, timestamp: date).partition == 4)
        #expect(KafkaProducerMessage(topic: "t", partition: 4, value: nil, timestamp: date).timestamp == date)
    }

    /// A message of more than 56 bytes is passed by address in optimised code, and copied on the way:
    /// a retain and a release per array for every message sent (see `KafkaProducerMessage`).
    @Test func aMessageStaysSmallEnoughToBeMovedWithoutACopy() {
        #expect(MemoryLayout<KafkaProducerMessage>.size <= 56)
    }

    @Test func invalidPropertyIsNamedInTheError() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.properties["linger.ms"] = "not-a-number"
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: configuration, logger: TestFixtures.logger("producer"))
        }
        #expect(error?.code == .configuration)
        #expect(error?.message.contains("linger.ms") == true)
    }
}

/// Collects delivery outcomes from the producer's event thread.
final class Outcomes: Sendable {
    private let state = Mutex<(delivered: Int, failures: [KafkaError])>((0, []))

    func record(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        state.withLock { state in
            switch result {
            case .success: state.delivered += 1
            case .failure(let error): state.failures.append(error)
            }
        }
    }

    var delivered: Int { state.withLock { $0.delivered } }
    var failures: [KafkaError] { state.withLock { $0.failures } }
}

final class Marker: Sendable {}

/// A weak reference that can cross tasks.
final class WeakBox<Object: AnyObject & Sendable>: Sendable {
    private let reference: Mutex<WeakReference>

    private struct WeakReference: @unchecked Sendable {
        weak var object: Object?
    }

    init(_ object: Object) { reference = Mutex(WeakReference(object: object)) }

    var isEmpty: Bool { reference.withLock { $0.object == nil } }
}
