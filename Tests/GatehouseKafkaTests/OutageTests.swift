import Foundation
import GatehouseKafka
import GatehouseTestSupport
import Testing

@Suite struct OutageTests {
    @Test func everyMessageSentDuringAFiveSecondOutageIsDeliveredAfterwards() async throws {
        let topic = TestFixtures.unique("outage")
        let total = 400
        try await TestFixtures.withCluster(brokers: 3, topics: [.init(name: topic, partitions: 3)]) { cluster in
            let producer = try KafkaProducer(
                configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
            let outcomes = Outcomes()
            for index in 0..<total / 2 {
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "user-\(index % 20)", value: "\(index)")) {
                    outcomes.record($0)
                }
            }
            cluster.setBrokerDown()
            for index in total / 2..<total {
                try await producer.enqueue(KafkaProducerMessage(topic: topic, key: "user-\(index % 20)", value: "\(index)")) {
                    outcomes.record($0)
                }
            }
            // The outage itself lasts five seconds; this sleep is the fault, not a synchronisation.
            try await Task.sleep(for: .seconds(5))
            cluster.setBrokerUp()
            try await waitUntil("every delivery report", limit: .seconds(60)) { outcomes.delivered + outcomes.failures.count == total }
            #expect(outcomes.failures.isEmpty, "\(outcomes.failures.prefix(3))")
            await producer.shutdown()

            let messages = try await TestFixtures.readTopic(cluster, topic: topic, count: total, limit: .seconds(60))
            #expect(Set(messages.compactMap { Int($0.valueString ?? "") }) == Set(0..<total))
        }
    }
}
