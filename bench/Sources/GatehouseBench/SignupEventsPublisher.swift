import ArgumentParser
import Foundation
import GatehouseKafka
import GatehouseSignup
import Logging
import Synchronization

/// Publishes realistic sign-up events (the gateway benchmark's request, as the gateway records it) to
/// a topic, pipelined, for the worker and replay benchmarks.
struct SignupEventsPublisher: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "publish", abstract: "Publish N sign-up events to a topic.")

    @Option(help: "Bootstrap servers.") var bootstrap: String
    @Option(help: "Topic to write to.") var topic: String = "gatehouse.signups.v1"
    @Option(help: "How many events.") var count: Int = 100_000

    func run() async throws {
        try await Self.publish(bootstrap: bootstrap, topic: topic, count: count)
        print("published \(count)")
    }

    /// One event per user, 1,000 users cycling.
    static func publish(bootstrap: String, topic: String, count: Int, idPrefix: String = UUID().uuidString) async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        var configuration = KafkaProducerConfiguration(bootstrapServers: [bootstrap])
        // Large batches: the embedded broker stores each produced batch as one message set and
        // answers a fetch with at most one message set per partition, so the batch size sets how
        // much a consumer gets per fetch (a real broker returns many batches per fetch).
        configuration.linger = .milliseconds(100)
        configuration.properties["batch.num.messages"] = "10000"
        configuration.statisticsInterval = nil
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let done = Completion(expected: count)
        let time = SignupEvent.timestamp(Date())
        for index in 0..<count {
            let user = "user-\(index % 1000)@contoso-example.com"
            let body = try JSONValue.parse(Array(RulesBenchmark.body(index).utf8))
            let request = try APIConnectorDialect.parse(body, urlStep: .postAttributeCollection)
            let id = "\(idPrefix)-\(index)"
            let event = SignupEvent(
                id: id, source: "/gatehouse/bench", time: Date(), request: request, decision: .continue, userKey: user, durability: "local",
                traceparent: TraceContext.traceparent(from: nil))
            var headers = event.headers.map { KafkaHeader(key: $0.0, value: $0.1) }
            headers[4] = KafkaHeader(key: "ce_time", value: time)
            try await producer.enqueue(KafkaProducerMessage(topic: topic, key: Array(user.utf8), value: event.dataBytes, headers: headers))
            {
                done.record(failed: (try? $0.get()) == nil)
            }
        }
        await done.wait()
        await producer.shutdown()
    }
}
