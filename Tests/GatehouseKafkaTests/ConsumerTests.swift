import Foundation
import GatehouseKafka
import GatehouseTestSupport
import Logging
import Synchronization
import Testing

@Suite struct ConsumerTests {
    @Test func groupMembersShareThePartitionsAndOneTakesOverFromCommittedOffsets() async throws {
        let topic = TestFixtures.unique("group")
        let group = TestFixtures.unique("group")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 4)]) { cluster in
            let first = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(cluster, .group(group, topics: [topic])),
                logger: TestFixtures.logger("first")
            )
            let second = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(cluster, .group(group, topics: [topic])),
                logger: TestFixtures.logger("second")
            )
            let seen = SeenMessages()
            let firstReader = Task { try await Self.consume(first, as: "first", into: seen) }
            let secondReader = Task { try await Self.consume(second, as: "second", into: seen) }
            try await waitUntil("both members assigned") {
                !first.assignment.isEmpty && !second.assignment.isEmpty
                    && first.assignment.count + second.assignment.count == 4
            }
            #expect(Set(first.assignment).isDisjoint(with: Set(second.assignment)))

            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            for index in 0..<200 {
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "user-\(index % 40)", value: "\(index)")) { _ in }
            }
            try await waitUntil("200 messages consumed") { seen.distinct == 200 }
            #expect(seen.count(by: "first") > 0)
            #expect(seen.count(by: "second") > 0)

            await first.close()
            _ = try await firstReader.value
            for index in 200..<400 {
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "user-\(index % 40)", value: "\(index)")) { _ in }
            }
            await producer.shutdown()
            try await waitUntil("the remaining member owns every partition") { second.assignment.count == 4 }
            try await waitUntil("400 messages consumed") { seen.distinct == 400 }
            #expect(seen.values == Set(0..<400), "nothing lost")
            #expect(seen.duplicates == 0, "the new owner started from the committed offsets")
            await second.close()
            _ = try await secondReader.value
        }
    }

    @Test func restartedConsumerResumesAfterTheLastDoneMessage() async throws {
        let topic = TestFixtures.unique("resume")
        let group = TestFixtures.unique("resume")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            try await TestFixtures.publish(cluster, topic: topic, count: 10)

            let first = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(cluster, .group(group, topics: [topic])),
                logger: TestFixtures.logger("first")
            )
            try await withDeadline(.seconds(30), "five messages") {
                var read = 0
                for try await message in first.messages {
                    // Offsets 0...4 done; offset 5 is read but never marked done.
                    if message.offset < 5 { first.markDone(message) }
                    read += 1
                    if read == 6 { break }
                }
            }
            await first.close()

            let second = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(cluster, .group(group, topics: [topic])),
                logger: TestFixtures.logger("second")
            )
            let resumed = try await withDeadline(.seconds(30), "the first message after restart") {
                for try await message in second.messages { return message }
                throw DeadlineExceeded(what: "a message", limit: .zero)
            }
            await second.close()
            #expect(resumed.offset == 5)
            #expect(resumed.valueString == "5")
        }
    }

    /// With every broker down, closing a group member still ends: the commit on revocation gives up
    /// after ``KafkaConsumerConfiguration/commitTimeout`` instead of waiting for the coordinator
    /// forever (a `gatehouse worker` stopped during an outage used to hang on SIGTERM), and so does an
    /// explicit commit, with an error.
    @Test func closingDuringABrokerOutageEndsAfterTheCommitTimeout() async throws {
        let topic = TestFixtures.unique("outage-close")
        let group = TestFixtures.unique("outage-close")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            try await TestFixtures.publish(cluster, topic: topic, count: 3)
            var configuration = TestFixtures.consumerConfiguration(cluster, .group(group, topics: [topic]))
            configuration.commitTimeout = .seconds(2)
            configuration.commitInterval = .seconds(3600)
            let consumer = try KafkaConsumer(configuration: configuration, logger: TestFixtures.logger("outage-close"))
            try await withDeadline(.seconds(30), "three messages") {
                var read = 0
                for try await message in consumer.messages {
                    consumer.markDone(message)
                    read += 1
                    if read == 3 { break }
                }
            }
            cluster.setBrokerDown()
            // Unstructured tasks, so that a commit or close that never returns fails the wait below
            // instead of holding the test forever.
            let outcome = Mutex<Result<Void, any Error>?>(nil)
            Task {
                do {
                    try await consumer.commit()
                    outcome.withLock { $0 = .success(()) }
                } catch {
                    outcome.withLock { $0 = .failure(error) }
                }
            }
            try await waitUntil("an explicit commit with the brokers down", limit: .seconds(20)) { outcome.withLock { $0 != nil } }
            #expect(throws: KafkaError.self) { try outcome.withLock { $0 }?.get() }
            let closed = Atomic(false)
            Task {
                await consumer.close()
                closed.store(true, ordering: .releasing)
            }
            try await waitUntil("closing with the brokers down", limit: .seconds(30)) { closed.load(ordering: .acquiring) }
        }
    }

    /// librdkafka 2.0.2 aborts the whole process when a cooperative-sticky member is destroyed after its
    /// JoinGroup but before its first assignment (librdkafka #4312): a worker stopped while its group
    /// is still forming. A member whose SyncGroup keeps failing is in exactly that state; closing and
    /// releasing it must leave the process running.
    @Test func releasingAMemberBeforeItsFirstAssignmentDoesNotAbort() async throws {
        let topic = TestFixtures.unique("first-assignment")
        let group = TestFixtures.unique("first-assignment")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 2)]) { cluster in
            // REBALANCE_IN_PROGRESS (27) on every SyncGroup: the member joins, and is never assigned.
            cluster.injectErrors(Array(repeating: .librdkafka(27), count: 10_000), for: .syncGroup)
            let log = CapturedLog()
            var configuration = TestFixtures.consumerConfiguration(cluster, .group(group, topics: [topic]))
            configuration.properties["debug"] = "cgrp"
            var consumer: KafkaConsumer? = try KafkaConsumer(
                configuration: configuration, logger: log.logger("first-assignment", level: .debug))
            try await waitUntil("the member's JoinGroup response", limit: .seconds(30)) { log.contains("JoinGroup response") }
            #expect(consumer?.assignment == [])
            await consumer?.close()
            // The last reference: without the guard, librdkafka asserts here and the test process aborts.
            consumer = nil
            #expect(log.contains("Closed before the group's first assignment"))
        }
    }

    @Test func outOfOrderCompletionCommitsOnlyTheContiguousPrefix() async throws {
        let topic = TestFixtures.unique("watermark")
        let group = TestFixtures.unique("watermark")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            try await TestFixtures.publish(cluster, topic: topic, count: 6)
            let first = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(cluster, .group(group, topics: [topic])),
                logger: TestFixtures.logger("first")
            )
            let messages = try await withDeadline(.seconds(30), "six messages") {
                var messages: [KafkaConsumerMessage] = []
                for try await message in first.messages {
                    messages.append(message)
                    if messages.count == 6 { break }
                }
                return messages
            }
            // Done: 0, 1, 3, 4, 5; offset 2 still in progress, so only offset 2 may be committed.
            for message in messages where message.offset != 2 { first.markDone(message) }
            await first.close()

            let second = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(cluster, .group(group, topics: [topic])),
                logger: TestFixtures.logger("second")
            )
            let resumed = try await withDeadline(.seconds(30), "the first message after restart") {
                for try await message in second.messages { return message }
                throw DeadlineExceeded(what: "a message", limit: .zero)
            }
            await second.close()
            #expect(resumed.offset == 2)
        }
    }

    @Test func manualAssignmentStartsAtBeginningEndOrOffset() async throws {
        let topic = TestFixtures.unique("assign")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 2)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            for index in 0..<10 {
                _ = try await producer.send(
                    KafkaProducerMessage(topic: topic, partition: Int32(index % 2), key: nil, value: Array("\(index)".utf8)))
            }
            let p0 = KafkaTopicPartition(topic: topic, partition: 0)
            let p1 = KafkaTopicPartition(topic: topic, partition: 1)
            let consumer = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(cluster, .partitions([p0: .offset(3), p1: .end])),
                logger: TestFixtures.logger("assigned")
            )
            // Partition 0 holds 0,2,4,6,8 at offsets 0...4: from offset 3 come 6 and 8. Partition 1 starts at
            // its end as of the assignment, so only what is sent from then on arrives.
            try await waitUntil("assignment") { consumer.assignment.count == 2 }
            _ = try await producer.send(KafkaProducerMessage(topic: topic, partition: 1, key: nil, value: Array("new".utf8)))
            await producer.shutdown()
            let values = try await withDeadline(.seconds(30), "three messages") {
                var values: [String] = []
                for try await message in consumer.messages {
                    values.append(message.valueString ?? "")
                    if values.count == 3 { break }
                }
                return values
            }
            await consumer.close()
            #expect(Set(values) == ["6", "8", "new"])
        }
    }

    @Test func timestampStartFallsBackToAScanOnTheEmbeddedBroker() async throws {
        let topic = TestFixtures.unique("time")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            let base = Date(timeIntervalSince1970: 1_700_000_000)
            for index in 0..<10 {
                let message = KafkaProducerMessage(
                    topic: topic, key: nil, value: Array("\(index)".utf8), timestamp: base.addingTimeInterval(Double(index) * 60)
                )
                _ = try await producer.send(message)
            }
            await producer.shutdown()
            let consumer = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(
                    cluster, .topics([topic], from: .timestamp(base.addingTimeInterval(4 * 60 - 1)))
                ),
                logger: TestFixtures.logger("timed")
            )
            let first = try await withDeadline(.seconds(30), "the first message at or after the time") {
                for try await message in consumer.messages { return message }
                throw DeadlineExceeded(what: "a message", limit: .zero)
            }
            await consumer.close()
            #expect(first.valueString == "4")
            #expect(first.offset == 4)
        }
    }

    @Test func pauseStopsDeliveryAndResumeRestartsIt() async throws {
        let topic = TestFixtures.unique("pause")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            let partition = KafkaTopicPartition(topic: topic, partition: 0)
            let consumer = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(cluster, .partitions([partition: .beginning])),
                logger: TestFixtures.logger("paused")
            )
            try await withDeadline(.seconds(60), "pause and resume") {
                _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "before"))
                var iterator = consumer.messages.makeAsyncIterator()
                let before = try await iterator.next()
                #expect(before?.valueString == "before")
                try consumer.pause([partition])
                _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "while paused"))
                try await waitUntil("the broker holds the message sent while paused") {
                    try await consumer.watermarks(of: partition).high == 2
                }
                try consumer.resume([partition])
                let after = try await iterator.next()
                #expect(after?.valueString == "while paused")
            }
            await consumer.close()
            await producer.shutdown()
        }
    }

    @Test func lagCountsMessagesBeyondThePosition() async throws {
        let topic = TestFixtures.unique("lag")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            for index in 0..<5 {
                _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "\(index)"))
            }
            await producer.shutdown()
            let partition = KafkaTopicPartition(topic: topic, partition: 0)
            var configuration = TestFixtures.consumerConfiguration(cluster, .partitions([partition: .beginning]))
            configuration.bufferCapacity = 1
            let consumer = try KafkaConsumer(configuration: configuration, logger: TestFixtures.logger("lag"))
            var iterator = consumer.messages.makeAsyncIterator()
            _ = try await iterator.next()
            _ = try await iterator.next()
            // Two read by the application, at most one more buffered: the lag is 2 or 3 of 5.
            try await waitUntil("lag reported") { consumer.lag()[partition] != nil }
            let lag = try #require(consumer.lag()[partition])
            #expect((2...3).contains(lag))
            await consumer.close()
        }
    }

    @Test func startUpFailureEndsTheSequenceWithAnError() async throws {
        let topic = TestFixtures.unique("unreachable")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 1)]) { cluster in
            cluster.setBrokerDown()
            var configuration = TestFixtures.consumerConfiguration(cluster, .topics([topic], from: .beginning))
            configuration.lookupTimeout = .seconds(1)
            let consumer = try KafkaConsumer(configuration: configuration, logger: TestFixtures.logger("unreachable"))
            let error = await #expect(throws: KafkaError.self) {
                try await withDeadline(.seconds(30), "the start-up failure") {
                    for try await _ in consumer.messages {}
                }
            }
            #expect(error?.message.contains(topic) == true)
            await consumer.close()
        }
    }

    static func consume(_ consumer: KafkaConsumer, as member: String, into seen: SeenMessages) async throws {
        for try await message in consumer.messages {
            seen.record(Int(message.valueString ?? "") ?? -1, by: member)
            consumer.markDone(message)
        }
    }
}

/// Which member saw which message values, and how often.
final class SeenMessages: Sendable {
    private let state = Mutex<(counts: [Int: Int], byMember: [String: Int])>(([:], [:]))

    func record(_ value: Int, by member: String) {
        state.withLock { state in
            state.counts[value, default: 0] += 1
            state.byMember[member, default: 0] += 1
        }
    }

    var distinct: Int { state.withLock { $0.counts.count } }
    var values: Set<Int> { state.withLock { Set($0.counts.keys) } }
    var duplicates: Int { state.withLock { $0.counts.values.reduce(0) { $0 + ($1 - 1) } } }
    func count(by member: String) -> Int { state.withLock { $0.byMember[member, default: 0] } }
}
