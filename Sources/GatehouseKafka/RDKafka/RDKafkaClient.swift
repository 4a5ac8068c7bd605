internal import CRdKafka
import Foundation
import Logging
import Synchronization

/// The one owner of an `rd_kafka_t`, and the only type that calls into librdkafka for a client.
///
/// `@unchecked Sendable` is safe here: librdkafka documents `rd_kafka_t` and its queues as thread-safe,
/// the pointers never change after `init`, and the topic-handle cache is guarded by a `Mutex`.
/// The instance is destroyed only in `deinit`, when no thread can reach it any more, so that a late
/// call (a `markDone` after close, a wake-up of a finished loop) never touches freed memory.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer
        case consumer
    }

    let kind: Kind
    let name: String
    private let handle: OpaquePointer
    /// The queue the owner's event loop serves: the main queue (producer) or the consumer queue.
    private let eventQueue: OpaquePointer
    private let topicHandles = Mutex<TopicHandles>(TopicHandles())
    /// Owners of payloads this instance may still read (see `produce`), kept until it is destroyed.
    /// Stored properties are released after `deinit` has destroyed the instance.
    private let payloadOwners = PThreadLock<[AnyObject]>([])
    /// Set by ``abandonAtDeinit()``: `deinit` then leaves the instance alive.
    private let abandoned = Atomic(false)

    /// Topic handles by name. The producer keeps the last one it used aside (see
    /// `KafkaProducer.StateMachine.lastTopic`), so this is not reached for every message.
    private struct TopicHandles {
        var byName: [String: SendablePointer] = [:]
        /// The names by handle, for delivery reports.
        var names: [UInt: String] = [:]
    }

    init(kind: Kind, properties: [String: String], events: Int32) throws(KafkaError) {
        var properties = properties
        // Logs travel on the event queue, so that they reach swift-log on our own thread.
        properties["log.queue"] = "true"
        let conf = try RDKafkaConfig.make(properties, events: events)
        var errstr = [CChar](repeating: 0, count: 512)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw .configuration("librdkafka refused the client configuration: \(RDKafkaConfig.string(errstr))")
        }
        self.kind = kind
        self.handle = handle
        self.name = String(cString: rd_kafka_name(handle))
        rd_kafka_set_log_queue(handle, nil)
        if kind == .consumer {
            // Everything the main queue would carry (logs, errors, statistics) goes to the consumer queue,
            // so one loop serves it all.
            rd_kafka_poll_set_consumer(handle)
            self.eventQueue = rd_kafka_queue_get_consumer(handle)
        } else {
            self.eventQueue = rd_kafka_queue_get_main(handle)
        }
    }

    /// Scoped access to the raw handle, for the files of this layer only.
    func withHandle<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        try body(handle)
    }

    /// Waits up to `timeout` milliseconds for the next event. The caller destroys it.
    func pollEvent(timeoutMilliseconds: Int32) -> RDKafkaEvent? {
        rd_kafka_queue_poll(eventQueue, timeoutMilliseconds).map(RDKafkaEvent.init)
    }

    /// Wakes a thread blocked in ``pollEvent(timeoutMilliseconds:)``.
    func wakeEventLoop() {
        rd_kafka_queue_yield(eventQueue)
    }

    /// The fatal error this instance has raised, if any.
    var fatalError: KafkaError? {
        var errstr = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle, &errstr, errstr.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(
            code: .librdkafka(code.rawValue),
            message: RDKafkaConfig.string(errstr),
            isFatal: true,
            isRetriable: true
        )
    }

    /// Makes `deinit` leave the librdkafka instance alive instead of destroying it, for an instance
    /// whose destruction librdkafka 2.0.2 would turn into an abort (see `KafkaConsumer`'s loop).
    func abandonAtDeinit() {
        abandoned.store(true, ordering: .releasing)
    }

    /// Keeps `owners` alive until this instance is destroyed: for messages it was handed whose outcome
    /// the producer settles without it (re-sent by a successor, or failed at shutdown), since librdkafka
    /// may still read their payloads until then.
    func retainUntilDestroyed(_ owners: [AnyObject]) {
        guard !owners.isEmpty else { return }
        payloadOwners.withLock { $0.append(contentsOf: owners) }
    }

    /// A cached topic handle; librdkafka's handles are reference-counted and cheap to keep.
    func topicHandle(_ topic: String) -> SendablePointer? {
        topicHandles.withLock { handles in
            if let cached = handles.byName[topic] { return cached }
            guard let created = rd_kafka_topic_new(handle, topic, nil) else { return nil }
            handles.byName[topic] = SendablePointer(created)
            handles.names[UInt(bitPattern: created)] = topic
            return SendablePointer(created)
        }
    }

    /// The name of a topic handle this client made (see ``topicHandle(_:)``), as a delivery report
    /// gives it; empty for any other.
    func topicName(_ handle: UInt) -> String {
        topicHandles.withLock { $0.names[handle] ?? "" }
    }

    /// Releases the topic handles, the queue reference and the instance. By then the owner has closed
    /// the consumer or purged the producer, so librdkafka has nothing left to wait for.
    deinit {
        let handles = topicHandles.withLock { handles in
            defer { handles = TopicHandles() }
            return Array(handles.byName.values)
        }
        for topic in handles { rd_kafka_topic_destroy(topic.pointer) }
        rd_kafka_queue_destroy(eventQueue)
        if abandoned.load(ordering: .acquiring) {
            return
        } else if kind == .consumer {
            rd_kafka_destroy_flags(handle, Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE))
        } else {
            rd_kafka_destroy(handle)
        }
    }
}

/// An `OpaquePointer` that may cross threads.
///
/// `@unchecked Sendable` is safe only for librdkafka objects that are documented as thread-safe
/// (`rd_kafka_t`, queues, topic handles), which is all this wraps.
struct SendablePointer: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
