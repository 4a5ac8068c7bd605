import DequeModule

extension KafkaProducer {
    /// A message being reported, with its recipient (not retained: its slot keeps it until
    /// `PendingMessages.finishSettling`), for the delivery thread to call outside the lock.
    struct Settling {
        let delivery: RDKafkaDelivery
        let recipient: Unmanaged<KafkaDeliveryRecipient>
    }

    /// A message in the backlog whose enqueuing task waits, or was cancelled, or went on.
    struct BacklogWait {
        /// The enqueuing task waiting for the message to leave the backlog.
        var waiter: CheckedContinuation<Void, any Error>?
        /// Its task was cancelled before it could register as the waiter.
        var cancelled = false
        /// Its task stopped waiting with the message accepted; cancellation can no longer withdraw it.
        var released = false
    }

    /// A closure to run outside the lock.
    typealias Action = () -> Void

    /// All mutable producer state. Its methods run under the producer's lock and return what the
    /// caller must do once the lock is released.
    struct StateMachine {
        var client: RDKafkaClient
        var loop: EventLoopControl
        var generation = 0
        var accepting = true
        var recovering = false
        var finished = false
        var nextID: UInt64 = 1
        /// Every accepted message, by id, until a sender empties its slot after its outcome.
        var entries = PendingMessages()
        /// Ids waiting for room in librdkafka's queue, oldest first.
        var backlog: Deque<UInt64> = []
        /// How many messages may wait in the backlog before enqueuers themselves wait. Waiting senders are
        /// woken only once the backlog is down to half of this, so that a saturated producer pays one
        /// suspension per many messages rather than one per message.
        let backlogAllowance: Int
        /// Backlog messages whose enqueuing task waits, was cancelled, or went on, by id.
        var waits: [UInt64: BacklogWait] = [:]
        /// Backlog ids whose enqueuing task waits, oldest first.
        var waiting: Deque<UInt64> = []
        /// The current instance's handle for the topic produced to last. A producer mostly writes to one
        /// topic, and comparing one name under this lock spares the client's own lock and a lookup for
        /// every message. Cleared when the instance is replaced.
        var lastTopic: (name: String, handle: SendablePointer)?

        init(client: RDKafkaClient, loop: EventLoopControl, backlogAllowance: Int) {
            self.client = client
            self.loop = loop
            self.backlogAllowance = max(backlogAllowance, 1)
        }

        private var hasRoomForWaiters: Bool { backlog.count <= backlogAllowance / 2 }

        enum EnqueueResult {
            case sent(UInt64)
            case mustWait(UInt64)
            case rejected(KafkaError)
        }

        /// Accepts a message: hands it to librdkafka at once if nothing is ahead of it and there is room,
        /// otherwise appends it to the backlog so that order is kept.
        mutating func enqueue(_ message: consuming KafkaProducerMessage, recipient: KafkaDeliveryRecipient) -> EnqueueResult {
            guard accepting else {
                return .rejected(.shutDown("the producer is shutting down; message for '\(message.topic)' not sent"))
            }
            guard message.kafkaTimestamp != nil else {
                let context = "the timestamp of a message for '\(message.topic)' is beyond what Kafka can hold"
                return .rejected(.librdkafka(RDKafkaErrorCodes.invalidArgument, context: context))
            }
            let id = nextID
            nextID += 1
            if backlog.isEmpty && !recovering {
                let code = produce(message, id: id)
                if code == RDKafkaErrorCodes.noError {
                    entries.append(message, recipient: recipient, id: id, state: .handedOver)
                    return .sent(id)
                }
                // A fatal instance is about to be replaced; the backlog carries the message over.
                if code != RDKafkaErrorCodes.queueFull && code != RDKafkaErrorCodes.fatal {
                    return .rejected(.librdkafka(code, context: "cannot enqueue a message for '\(message.topic)'"))
                }
            }
            entries.append(message, recipient: recipient, id: id, state: .backlog)
            backlog.append(id)
            return backlog.count <= backlogAllowance ? .sent(id) : .mustWait(id)
        }

        /// Hands message `id` to the current instance. Returns librdkafka's error code.
        private mutating func produce(_ message: borrowing KafkaProducerMessage, id: UInt64) -> Int32 {
            let (code, newTopic) = Self.produce(message, id: id, client: client, lastTopic: lastTopic)
            if let newTopic { lastTopic = newTopic }
            return code
        }

        /// Hands the message in slot `id` to the current instance. Returns librdkafka's error code, or
        /// `noError` if the slot holds no message.
        private mutating func produce(slot id: UInt64) -> Int32 {
            let (client, last) = (client, lastTopic)
            let outcome = entries.withMessage(id) { Self.produce($0, id: id, client: client, lastTopic: last) }
            if let newTopic = outcome?.newTopic { lastTopic = newTopic }
            return outcome?.code ?? RDKafkaErrorCodes.noError
        }

        /// Hands `message` to `client`, with the handle in `lastTopic` when it names the message's topic.
        /// Returns librdkafka's error code, and the topic to keep as the last one when it changed.
        private static func produce(
            _ message: borrowing KafkaProducerMessage,
            id: UInt64,
            client: RDKafkaClient,
            lastTopic: (name: String, handle: SendablePointer)?
        ) -> (code: Int32, newTopic: (name: String, handle: SendablePointer)?) {
            if let lastTopic, lastTopic.name == message.topic {
                return (client.produce(message, id: id, topic: lastTopic.handle), nil)
            }
            guard let handle = client.topicHandle(message.topic) else { return (RDKafkaErrorCodes.invalidArgument, nil) }
            return (client.produce(message, id: id, topic: handle), (message.topic, handle))
        }

        /// Accepts a batch under one lock acquisition. Returns the ids, the last id left in the backlog
        /// (the caller waits for it, since the backlog drains in order), and failures to report.
        mutating func enqueue(
            contentsOf messages: some Collection<KafkaProducerMessage>,
            recipient: KafkaDeliveryRecipient
        ) -> (ids: [UInt64], lastWaiting: UInt64?, failures: [KafkaError])? {
            guard accepting else { return nil }
            var ids: [UInt64] = []
            ids.reserveCapacity(messages.count)
            var lastWaiting: UInt64?
            var failures: [KafkaError] = []
            for message in messages {
                switch enqueue(message, recipient: recipient) {
                case .sent(let id):
                    ids.append(id)
                case .mustWait(let id):
                    ids.append(id)
                    lastWaiting = id
                case .rejected(let error):
                    ids.append(nextID - 1)
                    failures.append(error)
                }
            }
            return (ids, lastWaiting, failures)
        }

        /// Empties settled slots once enough have gathered; a sender releases what they held, outside
        /// the lock. Releasing on a sending thread, which retained it, spares moving each message's cache
        /// lines to the delivery thread and back.
        ///
        /// A sender that appended `appended` messages empties up to twice as many (and at least 64), so
        /// that emptying keeps pace with batches as well as with single messages.
        mutating func reclaimForSender(appended: Int) -> [Unmanaged<KafkaDeliveryRecipient>] {
            entries.reclaim(atLeast: 32, atMost: max(64, 2 * appended))
        }

        /// Registers the task waiting for backlog entry `id`; returns the result to resume it with now,
        /// if the entry already moved on.
        mutating func registerWaiter(
            _ waiter: CheckedContinuation<Void, any Error>,
            for id: UInt64
        ) -> Result<Void, any Error>? {
            guard entries.state(of: id) == .backlog else { return .success(()) }
            if waits[id]?.cancelled == true {
                waits[id] = nil
                entries.withdraw(id)
                backlog.removeAll { $0 == id }
                return .failure(CancellationError())
            }
            if hasRoomForWaiters {
                waits[id, default: BacklogWait()].released = true
                return .success(())
            }
            waits[id, default: BacklogWait()].waiter = waiter
            waiting.append(id)
            return nil
        }

        /// Withdraws backlog entry `id` because its task was cancelled. Messages already handed to
        /// librdkafka cannot be withdrawn, nor can one whose task was told to go on.
        mutating func cancelWaiting(_ id: UInt64) -> Action? {
            guard entries.state(of: id) == .backlog, waits[id]?.released != true else { return nil }
            guard let waiter = waits[id]?.waiter else {
                // Its task has not registered yet (a registered one keeps its entry until `endWait`).
                waits[id, default: BacklogWait()].cancelled = true
                return nil
            }
            waits[id] = nil
            entries.withdraw(id)
            backlog.removeAll { $0 == id }
            waiting.removeAll { $0 == id }
            return { waiter.resume(throwing: CancellationError()) }
        }

        /// Forgets backlog entry `id`'s wait once its task has stopped waiting, cancelled or not.
        mutating func endWait(_ id: UInt64) {
            waits[id] = nil
        }

        /// Moves backlog entries into librdkafka while there is room, oldest first.
        mutating func drainBacklog() -> [Action] {
            var actions: [Action] = []
            while !recovering, let id = backlog.first {
                guard entries.state(of: id) == .backlog else {
                    backlog.removeFirst()
                    continue
                }
                if waits[id]?.cancelled == true {
                    // Its task is about to register and learn of the cancellation.
                    backlog.removeFirst()
                    continue
                }
                let code = produce(slot: id)
                if code == RDKafkaErrorCodes.queueFull || code == RDKafkaErrorCodes.fatal { break }
                backlog.removeFirst()
                if code == RDKafkaErrorCodes.noError {
                    entries.setState(.handedOver, of: id)
                } else {
                    let topic = entries.withMessage(id) { $0.topic } ?? ""
                    let error = KafkaError.librdkafka(code, context: "cannot enqueue a message for '\(topic)'")
                    actions.append(fail(id, with: error))
                }
                if !waits.isEmpty, let resume = letGo(id) { actions.append(resume) }
            }
            if hasRoomForWaiters {
                // Their messages stay queued in the backlog, which now has room: the senders may go on.
                while let id = waiting.popFirst() {
                    if let resume = letGo(id) { actions.append(resume) }
                }
            }
            return actions
        }

        /// Lets the task waiting for backlog entry `id` go on, if one waits: returns its resumption, to
        /// run outside the lock. Its entry stays, marked released, until the task's wait ends.
        private mutating func letGo(_ id: UInt64) -> Action? {
            guard let waiter = waits[id]?.waiter else { return nil }
            waits[id]?.waiter = nil
            waits[id]?.released = true
            return { waiter.resume() }
        }

        /// Reports outstanding message `id` as failed: settles it now and returns the report to run
        /// outside the lock, which holds the message's recipient until then.
        private mutating func fail(_ id: UInt64, with error: KafkaError) -> Action {
            guard let recipient = entries.recipient(of: id)?.takeUnretainedValue() else { return {} }
            entries.withdraw(id)
            return { recipient.handler(.failure(error)) }
        }

        /// Marks the messages of librdkafka instance `generation`'s delivery reports as being reported,
        /// and returns them, for the caller to report outside the lock and then finish with
        /// ``finishSettling(_:)``. Failures while the instance is in a fatal state are kept, to be sent
        /// again by the recreated producer.
        mutating func settle(
            _ deliveries: [RDKafkaDelivery],
            generation reportGeneration: Int,
            keepFailures: Bool
        ) -> [Settling] {
            // Everything handed over belongs to the current instance: recovery re-sends it all. A report
            // from a retired instance, for a message its successor re-sent, is not the outcome.
            guard reportGeneration == generation else { return [] }
            var settling: [Settling] = []
            settling.reserveCapacity(deliveries.count)
            for delivery in deliveries {
                if keepFailures && delivery.error != RDKafkaErrorCodes.noError { continue }
                let id = delivery.messageID
                guard entries.state(of: id) == .handedOver, let recipient = entries.recipient(of: id) else { continue }
                entries.beginSettling(id)
                settling.append(Settling(delivery: delivery, recipient: recipient))
            }
            return settling
        }

        /// Marks reported messages as settled. Returns what the caller (the delivery thread) must
        /// release itself: everything settled, once nothing is outstanding (no sender may come soon) or
        /// once more than `settledAllowance` wait (the senders have stalled).
        mutating func finishSettling(_ settled: [Settling]) -> [Unmanaged<KafkaDeliveryRecipient>] {
            entries.finishSettling(settled.lazy.map(\.delivery.messageID))
            return entries.reclaim(atLeast: entries.isEmpty ? 1 : Self.settledAllowance)
        }

        /// How many settled slots may wait for a sender to empty them before the delivery thread does.
        static let settledAllowance = 16_384

        /// What librdkafka may still read: the messages handed to the current instance.
        var handedOver: [AnyObject] {
            let messages = entries.ids(in: .handedOver).compactMap { id in entries.withMessage(id) { copy $0 } }
            return messages.isEmpty ? [] : [PayloadOwner(messages)]
        }

        /// Marks the start of recovery from a fatal error of instance `failedGeneration`; false if that
        /// instance was already replaced or the producer has finished.
        mutating func beginRecovery(from failedGeneration: Int) -> Bool {
            guard failedGeneration == generation, !recovering, !finished else { return false }
            recovering = true
            return true
        }

        /// Installs the recreated instance and hands it every unacknowledged message, in the order they
        /// were first enqueued. Messages that do not fit go to the front of the backlog.
        mutating func install(_ newClient: RDKafkaClient, loop newLoop: EventLoopControl) -> (resent: Int, actions: [Action]) {
            // The retired instance may read these payloads until it is destroyed, even once the
            // successor has delivered them.
            client.retainUntilDestroyed(handedOver)
            client = newClient
            lastTopic = nil
            loop = newLoop
            generation += 1
            recovering = false
            let unacknowledged = entries.ids(in: .handedOver)
            var overflow: [UInt64] = []
            var actions: [Action] = []
            for id in unacknowledged {
                let code = overflow.isEmpty ? produce(slot: id) : RDKafkaErrorCodes.queueFull
                if code == RDKafkaErrorCodes.queueFull {
                    entries.setState(.backlog, of: id)
                    overflow.append(id)
                } else if code != RDKafkaErrorCodes.noError {
                    let error = KafkaError.librdkafka(code, context: "cannot re-send message \(id) after recovery")
                    actions.append(fail(id, with: error))
                }
            }
            backlog.insert(contentsOf: overflow, at: 0)
            return (unacknowledged.count, actions + drainBacklog())
        }

        /// Fails every outstanding message with `error` and releases their waiters. Returns how many
        /// messages failed, and the actions that report them and resume the waiters.
        mutating func failAll(_ error: KafkaError) -> (failed: Int, actions: [Action]) {
            // librdkafka may still hold some of them, and read their payloads, until it is destroyed.
            client.retainUntilDestroyed(handedOver)
            var actions = entries.outstandingIDs.map { fail($0, with: error) }
            let failed = actions.count
            for id in waits.keys {
                if let resume = letGo(id) { actions.append(resume) }
            }
            backlog.removeAll()
            waiting.removeAll()
            return (failed, actions)
        }
    }

    /// Keeps the payloads of messages a retired librdkafka instance may still read.
    final class PayloadOwner {
        let messages: [KafkaProducerMessage]

        init(_ messages: [KafkaProducerMessage]) {
            self.messages = messages
        }
    }
}
