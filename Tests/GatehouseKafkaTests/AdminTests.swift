import GatehouseKafka
import GatehouseTestSupport
import Testing

@Suite struct AdminTests {
    /// librdkafka's embedded cluster names no controller, so CreateTopics cannot succeed there and
    /// librdkafka would wait the admin's whole timeout (30 s) for one. ``KafkaAdmin`` gives such a
    /// cluster a few seconds, then uses the topics as they are: one that exists keeps its partitions,
    /// and a missing one is created on first use.
    @Test func withoutAControllerTopicsAreUsedAsTheyAreWithinSeconds() async throws {
        let existing = TestFixtures.unique("admin-existing")
        let missing = TestFixtures.unique("admin-missing")
        try await TestFixtures.withCluster(topics: [.init(name: existing, partitions: 3)]) { cluster in
            let admin = try KafkaAdmin(bootstrapServers: [cluster.bootstrapServers], logger: TestFixtures.logger("admin"))
            #expect(admin.timeout == .seconds(30))
            try await withDeadline(.seconds(20), "createTopics against a cluster without a controller") {
                try await admin.createTopics([.init(name: existing, partitions: 6), .init(name: missing, partitions: 2)])
            }
            let consumer = try KafkaConsumer(
                configuration: TestFixtures.consumerConfiguration(cluster, .topics([existing], from: .beginning)),
                logger: TestFixtures.logger("admin-check"))
            #expect(try await consumer.partitionIDs(of: existing) == [0, 1, 2])
            #expect(try await !consumer.partitionIDs(of: missing).isEmpty)
            await consumer.close()
        }
    }
}
