import Foundation
import GatehouseTestSupport
import Testing

@testable import GatehouseKafka

@Suite struct KafkaTopicReaderTests {
    /// Publishes `count` messages to one partition with timestamps one minute apart, from `start`.
    private func publish(_ cluster: EmbeddedKafkaCluster, topic: String, count: Int, from start: Date) async throws {
        let producer = try KafkaProducer(
            configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
        for index in 0..<count {
            _ = try await producer.send(
                KafkaProducerMessage(
                    topic: topic, partition: Int32(index % 2), key: Array("k\(index % 2)".utf8), value: Array("\(index)".utf8),
                    timestamp: start.addingTimeInterval(Double(index) * 60)))
        }
        await producer.shutdown()
    }

    private func read(
        _ cluster: EmbeddedKafkaCluster, _ topic: String, from: KafkaTopicReader.Start, until: KafkaTopicReader.End = .current
    )
        async throws -> (values: [String], summary: KafkaTopicReader.Summary)
    {
        var values: [String] = []
        let summary = try await KafkaTopicReader(bootstrapServers: [cluster.bootstrapServers]).read(
            topic, from: from, until: until, logger: TestFixtures.logger("reader")
        ) { message, _ in values.append(message.valueString ?? "") }
        return (values, summary)
    }

    @Test func rangesStartAtTheBeginningOffsetsOrATimeAndEnd() async throws {
        let topic = TestFixtures.unique("range")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 2)]) { cluster in
            let start = Date(timeIntervalSince1970: 1_790_000_000)
            try await publish(cluster, topic: topic, count: 10, from: start)

            let all = try await read(cluster, topic, from: .beginning)
            #expect(all.values.sorted { Int($0)! < Int($1)! } == (0..<10).map(String.init))
            #expect(all.summary.next == [0: 5, 1: 5])
            // In order per partition.
            #expect(all.values.filter { Int($0)! % 2 == 0 } == ["0", "2", "4", "6", "8"])

            let fromOffsets = try await read(cluster, topic, from: .offsets([0: 3, 1: 4]))
            #expect(Set(fromOffsets.values) == ["6", "8", "9"])

            let bounded = try await read(cluster, topic, from: .beginning, until: .offsets([0: 2, 1: 1]))
            #expect(Set(bounded.values) == ["0", "2", "1"])

            // The embedded broker has no timestamp lookup: the time start scans by message timestamps.
            let fromTime = try await read(cluster, topic, from: .time(start.addingTimeInterval(5 * 60)))
            #expect(Set(fromTime.values) == ["5", "6", "7", "8", "9"])
            #expect(fromTime.summary.lookup == [0: .scan, 1: .scan])
            #expect(fromTime.summary.read == 10)

            let window = try await read(
                cluster, topic, from: .time(start.addingTimeInterval(2 * 60)), until: .time(start.addingTimeInterval(6 * 60)))
            #expect(Set(window.values) == ["2", "3", "4", "5"])
        }
    }

    @Test func aTimeStartUsesTheBrokersOffsetWhenItHasOne() {
        // The brokers' answer is used as it is, never before the partition's first offset.
        #expect(KafkaTopicReader.timeStart(lookedUp: 42, low: 10) == (42, .broker))
        #expect(KafkaTopicReader.timeStart(lookedUp: 3, low: 10) == (10, .broker))
        // No answer (no lookup), or "none after that time": scan from the first offset.
        #expect(KafkaTopicReader.timeStart(lookedUp: nil, low: 10) == (10, .scan))
        #expect(KafkaTopicReader.timeStart(lookedUp: -1, low: 10) == (10, .scan))
    }

    @Test func anEmptyOrMissingTopicIsReportedOrReadAsEmpty() async throws {
        let topic = TestFixtures.unique("empty")
        try await TestFixtures.withCluster(topics: [.init(name: topic, partitions: 3)]) { cluster in
            let empty = try await read(cluster, topic, from: .beginning)
            #expect(empty.values.isEmpty)
            #expect(empty.summary.planned.count == 3)
        }
    }
}
