import Foundation
public import GatehouseKafka
public import GatehouseSignup
public import Logging

/// One record of a worker's dead-letter topic.
public struct DeadLetter: Sendable {
    /// The record as stored: the event's key, value and headers, plus the failure headers.
    public var record: KafkaConsumerMessage

    public var eventID: String { record.headers.first(named: "ce_id") ?? "?" }
    public var type: String { record.headers.first(named: "ce_type") ?? "?" }
    public var userKey: String { record.headers.first(named: "ce_subject") ?? record.keyString ?? "" }
    public var error: String { record.headers.first(named: WorkerHeaders.error) ?? "" }
    public var attempts: Int { record.headers.first(named: WorkerHeaders.attempts).flatMap(Int.init) ?? 0 }
    public var isPermanent: Bool { record.headers.first(named: WorkerHeaders.permanent) == "true" }
    public var firstFailure: String { record.headers.first(named: WorkerHeaders.firstFailure) ?? "" }
    public var lastFailure: String { record.headers.first(named: WorkerHeaders.lastFailure) ?? "" }
    /// Where the event was first read.
    public var origin: String {
        let headers = record.headers
        return
            "\(headers.first(named: WorkerHeaders.originTopic) ?? "?")/\(headers.first(named: WorkerHeaders.originPartition) ?? "?")@\(headers.first(named: WorkerHeaders.originOffset) ?? "?")"
    }
    /// Where the dead letter itself is.
    public var position: String { "\(record.partition)@\(record.offset)" }

    /// The dead letter as a JSON object, for `--json` output.
    public var json: JSONValue {
        var headers: [String: JSONValue] = [:]
        for header in record.headers { headers[header.key] = header.stringValue.map(JSONValue.string) ?? .null }
        return .object([
            "eventId": .string(eventID), "type": .string(type), "userKey": .string(userKey), "error": .string(error),
            "attempts": .int(Int64(attempts)), "permanent": .bool(isPermanent), "firstFailure": .string(firstFailure),
            "lastFailure": .string(lastFailure), "origin": .string(origin), "position": .string(position), "headers": .object(headers),
            "data": (try? JSONValue.parse(record.value ?? [])) ?? .null,
        ])
    }
}

/// A worker's dead letters: reading them, and sending them back to that worker alone.
public struct DeadLetters: Sendable {
    public var configuration: WorkerConfiguration
    public var worker: String

    public init(configuration: WorkerConfiguration, worker: String) {
        self.configuration = configuration
        self.worker = worker
    }

    /// Every dead letter now in the worker's dead-letter topic, oldest first per partition.
    public func list(logger: Logger) async throws -> [DeadLetter] {
        var letters: [DeadLetter] = []
        let reader = KafkaTopicReader(bootstrapServers: configuration.bootstrapServers, properties: configuration.properties)
        try await reader.readAll(configuration.deadLetterTopic(worker: worker), logger: logger) { letters.append(DeadLetter(record: $0)) }
        return letters
    }

    /// Sends dead letters back to the worker through its first retry topic, due at once, with the
    /// attempt count reset: the worker handles them again, no other worker sees them, and its
    /// idempotency records pass over any that were completed meanwhile. The dead letters stay in the
    /// topic as history.
    ///
    /// - Returns: How many were sent.
    @discardableResult
    public func redrive(_ letters: [DeadLetter], logger: Logger) async throws -> Int {
        guard !letters.isEmpty else { return 0 }
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.bootstrapServers)
        producerConfiguration.properties = configuration.properties
        producerConfiguration.clientID = "gatehouse-dlq-\(worker)"
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let now = SignupEvent.timestamp(Date())
        let topic = configuration.retryTopic(worker: worker, failures: 1)
        do {
            for letter in letters {
                let kept = [
                    WorkerHeaders.originTopic, WorkerHeaders.originPartition, WorkerHeaders.originOffset, WorkerHeaders.firstFailure,
                ]
                var headers = letter.record.headers.filter { !WorkerHeaders.all.contains($0.key) || kept.contains($0.key) }
                headers += [
                    KafkaHeader(key: WorkerHeaders.attempts, value: "0"), KafkaHeader(key: WorkerHeaders.due, value: now),
                    KafkaHeader(key: WorkerHeaders.worker, value: worker), KafkaHeader(key: WorkerHeaders.redriven, value: now),
                ]
                _ = try await producer.send(
                    KafkaProducerMessage(topic: topic, key: letter.record.key, value: letter.record.value, headers: headers))
            }
        } catch {
            await producer.shutdown()
            throw error
        }
        await producer.shutdown()
        return letters.count
    }
}
