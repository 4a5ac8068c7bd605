import ArgumentParser
import CJemalloc
import Foundation
import GatehouseKafka
import Logging
import Synchronization

/// Producer throughput (every delivery report received) and awaited-send latency.
struct ProducerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "producer",
        abstract: "Measure KafkaProducer throughput and awaited-send latency against a broker."
    )

    @Option(help: "Bootstrap servers.") var bootstrap: String
    @Option(help: "Topic to write to.") var topic: String
    @Option(help: "Messages for the throughput run.") var messages: Int = 500_000
    @Option(help: "Value size in bytes.") var valueBytes: Int = 256
    @Option(help: "linger.ms for the throughput run.") var lingerMs: Int = 5
    @Option(help: "Sequential awaited sends for the latency run (linger.ms 1).") var latencySamples: Int = 2_000
    @Option(help: "Messages per enqueue call in the throughput run; 1 uses the single-message form.") var batch: Int = 1

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: valueBytes)
        let keys = (0..<1000).map { Array("user-\($0)".utf8) }

        // Like the gatehouse executable, this one is linked with jemalloc; say so next to the figures.
        print("swift_allocator jemalloc-\(CJemalloc_version().map { String(cString: $0) } ?? "unknown")")
        var configuration = KafkaProducerConfiguration(bootstrapServers: [bootstrap])
        configuration.statisticsInterval = nil
        if messages > 0 {
            configuration.linger = .milliseconds(lingerMs)
            try await measureThroughput(configuration, value: value, keys: keys, logger: logger)
        }
        if latencySamples > 0 {
            configuration.linger = .milliseconds(1)
            try await measureLatency(configuration, value: value, logger: logger)
        }
    }

    /// Messages per second, from the first enqueue until every delivery report has arrived.
    private func measureThroughput(
        _ configuration: KafkaProducerConfiguration, value: [UInt8], keys: [[UInt8]], logger: Logger
    ) async throws {
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        _ = try await producer.send(KafkaProducerMessage(topic: topic, key: nil, value: value))

        // Like the C baseline: the options read once into locals, and one delivery recipient for every
        // message (the C producer registers one callback), so the loop measures the producer alone.
        let (topic, messages, batch) = (topic, messages, batch)
        let counter = Completion(expected: messages)
        let recipient = KafkaDeliveryRecipient { result in
            if case .failure = result { counter.record(failed: true) } else { counter.record(failed: false) }
        }
        let clock = ContinuousClock()
        let start = clock.now
        if batch <= 1 {
            for index in 0..<messages {
                try await producer.enqueue(
                    KafkaProducerMessage(topic: topic, key: keys[index % keys.count], value: value), to: recipient)
            }
        } else {
            var index = 0
            while index < messages {
                let chunk = (index..<min(index + batch, messages)).map {
                    KafkaProducerMessage(topic: topic, key: keys[$0 % keys.count], value: value)
                }
                index += chunk.count
                try await producer.enqueue(contentsOf: chunk, to: recipient)
            }
        }
        await counter.wait()
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("swift_throughput_messages_per_second \(Int(Double(messages) / seconds))")
        print("swift_failed \(counter.failed)")
        await producer.shutdown()
    }

    /// Awaited sends one at a time, after 100 to warm up: p50 and p99 in milliseconds.
    private func measureLatency(_ configuration: KafkaProducerConfiguration, value: [UInt8], logger: Logger) async throws {
        let clock = ContinuousClock()
        let latencyProducer = try KafkaProducer(configuration: configuration, logger: logger)
        var latencies: [Double] = []
        latencies.reserveCapacity(latencySamples)
        for index in -100..<latencySamples {
            let sent = clock.now
            _ = try await latencyProducer.send(KafkaProducerMessage(topic: topic, key: Array("latency".utf8), value: value))
            if index >= 0 {
                let duration = clock.now - sent
                latencies.append(Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)
            }
        }
        await latencyProducer.shutdown()
        if !latencies.isEmpty {
            latencies.sort()
            print("swift_send_latency_p50_ms \(String(format: "%.3f", latencies[latencies.count / 2]))")
            print("swift_send_latency_p99_ms \(String(format: "%.3f", latencies[latencies.count * 99 / 100]))")
        }
    }
}

/// Counts delivery reports and wakes the benchmark when all have arrived. Counting is one atomic
/// increment, like the C baseline's counter, so the harness costs the same on both sides.
final class Completion: Sendable {
    private let done = Atomic<Int>(0)
    private let failures = Atomic<Int>(0)
    private let state: Mutex<(finished: Bool, waiter: CheckedContinuation<Void, Never>?)>
    private let expected: Int

    init(expected: Int) {
        self.expected = expected
        self.state = Mutex((false, nil))
    }

    func record(failed: Bool) {
        if failed { failures.add(1, ordering: .relaxed) }
        guard done.add(1, ordering: .acquiringAndReleasing).newValue == expected else { return }
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    var failed: Int { failures.load(ordering: .relaxed) }

    func wait() async {
        await withCheckedContinuation { continuation in
            let finished = state.withLock { state in
                if !state.finished { state.waiter = continuation }
                return state.finished
            }
            if finished { continuation.resume() }
        }
    }
}
