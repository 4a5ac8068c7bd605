import Foundation
import GatehouseKafka
import GatehouseTestSupport
import Testing

@Suite struct BrokerCommandTests {
    /// `gatehouse broker` in a child process, Gatehouse's producer writing to it, and kcat (a client we
    /// did not write) reading it back.
    @Test(.enabled(if: ExternalTools.kcat != nil, "kcat is not installed: run ops/install-prerequisites.sh"))
    func kcatReadsWhatGatehouseWroteToTheStandaloneBroker() async throws {
        let topic = TestFixtures.unique("kcat")
        let broker = try ChildProcess.start(
            ExternalTools.gatehouse(),
            arguments: ["broker", "--port", "0", "--topic", "\(topic):2", "--log-level", "warning"]
        )
        defer { broker.terminate() }
        let bootstrap = try await withDeadline(.seconds(30), "the bootstrap line") { try broker.readLine() }
        #expect(bootstrap.hasPrefix("127.0.0.1:"))

        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: TestFixtures.logger("producer"))
        for index in 0..<5 {
            _ = try await producer.send(
                KafkaProducerMessage(
                    topic: topic, key: "user-\(index)", value: "value-\(index)", headers: [KafkaHeader(key: "ce_id", value: "id-\(index)")])
            )
        }
        await producer.shutdown()

        let output = try await withDeadline(.seconds(60), "kcat") {
            try ChildProcess.run(
                ExternalTools.kcat!,
                arguments: ["-b", bootstrap, "-C", "-t", topic, "-e", "-q", "-f", "%k=%s;%h\\n"]
            )
        }
        let lines = Set(output.split(separator: "\n").map(String.init))
        #expect(lines == Set((0..<5).map { "user-\($0)=value-\($0);ce_id=id-\($0)" }))

        broker.interrupt()
        let status = try await withDeadline(.seconds(30), "the broker to exit on SIGTERM") { broker.waitForExit() }
        #expect(status == 0)
    }

    @Test func brokerRejectsABadTopicArgumentWithAClearMessage() async throws {
        let result = try ChildProcess.run(
            ExternalTools.gatehouse(), arguments: ["broker", "--topic", "t:zero"], allowFailure: true, includeStandardError: true)
        #expect(result.contains("PARTITIONS must be a positive number"))
    }
}
