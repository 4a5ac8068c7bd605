import DequeModule

extension KafkaProducer {
    /// One accepted message. A class, so that moving it between the backlog, the pending window and a
    /// delivery costs one reference count rather than one per field. Only touched under the lock.
    ///
    /// librdkafka reads the message's value from this entry's copy, without copying it; the entry lives
    /// until its outcome is settled, or until the librdkafka instance that holds it is destroyed.
    final class Entry {
        let message: KafkaProducerMessage
        let handler: DeliveryHandler
        /// The librdkafka instance the message was handed to; `nil` while it waits in the backlog
        /// because librdkafka's queue was full.
        var generation: Int?
        /// The enqueuing task waiting for the message to leave the backlog.
        var waiter: CheckedContinuation<Void, any Error>?
        /// Its task was cancelled before it could register as the waiter.
        var cancelled = false
        /// Its task stopped waiting with the message accepted; cancellation can no longer withdraw it.
        var released = false

        init(message: consuming KafkaProducerMessage, handler: @escaping DeliveryHandler, generation: Int?) {
            self.message = message
            self.handler = handler
            self.generation = generation
        }

        var isInBacklog: Bool { generation == nil }
    }

    /// A settled entry and its delivery report, for the entry's handler to receive outside the lock.
    /// A struct rather than a tuple: an array of tuples is destroyed through the runtime's generic
    /// tuple witness, which a delivery-report batch paid once per message.
    struct Settled {
        let entry: Entry
        let delivery: RDKafkaDelivery
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
        /// Every accepted message that has not had its outcome yet, by id.
        var entries = PendingMessages()
        /// Ids waiting for room in librdkafka's queue, oldest first.
        var backlog: Deque<UInt64> = []
        /// How many messages may wait in the backlog before enqueuers themselves wait. Waiting senders are
        /// woken only once the backlog is down to half of this, so that a saturated producer pays one
        /// suspension per many messages rather than one per message.
        let backlogAllowance: Int
        /// Backlog ids whose enqueuing task waits.
        var waiting: Deque<UInt64> = []
        /// Settled batches, for the next sender to release. An entry and its message's arrays were
        /// retained on a sending thread; releasing them there too spares moving each of their cache lines
        /// to the delivery thread and back.
        var released: [[Settled]] = []

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
        mutating func enqueue(_ message: consuming KafkaProducerMessage, handler: @escaping DeliveryHandler) -> EnqueueResult {
            guard accepting else {
                return .rejected(.shutDown("the producer is shutting down; message for '\(message.topic)' not sent"))
            }
            let id = nextID
            nextID += 1
            if backlog.isEmpty && !recovering {
                let code = client.produce(message, id: id)
                if code == RDKafkaErrorCodes.noError {
                    entries.append(Entry(message: message, handler: handler, generation: generation), id: id)
                    return .sent(id)
                }
                // A fatal instance is about to be replaced; the backlog carries the message over.
                if code != RDKafkaErrorCodes.queueFull && code != RDKafkaErrorCodes.fatal {
                    return .rejected(.librdkafka(code, context: "cannot enqueue a message for '\(message.topic)'"))
                }
            }
            entries.append(Entry(message: message, handler: handler, generation: nil), id: id)
            backlog.append(id)
            return backlog.count <= backlogAllowance ? .sent(id) : .mustWait(id)
        }

        /// Accepts a batch under one lock acquisition. Returns the ids, the last id left in the backlog
        /// (the caller waits for it, since the backlog drains in order), and failures to report.
        mutating func enqueue(
            contentsOf messages: some Collection<KafkaProducerMessage>,
            handler: @escaping DeliveryHandler
        ) -> (ids: [UInt64], lastWaiting: UInt64?, failures: [Action])? {
            guard accepting else { return nil }
            var ids: [UInt64] = []
            ids.reserveCapacity(messages.count)
            var lastWaiting: UInt64?
            var failures: [Action] = []
            for message in messages {
                switch enqueue(message, handler: handler) {
                case .sent(let id):
                    ids.append(id)
                case .mustWait(let id):
                    ids.append(id)
                    lastWaiting = id
                case .rejected(let error):
                    let id = nextID - 1
                    ids.append(id)
                    failures.append { handler(.failure(error)) }
                }
            }
            return (ids, lastWaiting, failures)
        }

        /// Registers the task waiting for backlog entry `id`; returns the result to resume it with now,
        /// if the entry already moved on.
        mutating func registerWaiter(
            _ waiter: CheckedContinuation<Void, any Error>,
            for id: UInt64
        ) -> Result<Void, any Error>? {
            guard let entry = entries[id], entry.isInBacklog else { return .success(()) }
            if entry.cancelled {
                entries[id] = nil
                backlog.removeAll { $0 == id }
                return .failure(CancellationError())
            }
            if hasRoomForWaiters {
                entry.released = true
                return .success(())
            }
            entry.waiter = waiter
            waiting.append(id)
            return nil
        }

        /// Withdraws backlog entry `id` because its task was cancelled. Messages already handed to
        /// librdkafka cannot be withdrawn.
        mutating func cancelWaiting(_ id: UInt64) -> Action? {
            guard let entry = entries[id], entry.isInBacklog, !entry.released else { return nil }
            guard let waiter = entry.waiter else {
                entry.cancelled = true
                return nil
            }
            entries[id] = nil
            backlog.removeAll { $0 == id }
            waiting.removeAll { $0 == id }
            return { waiter.resume(throwing: CancellationError()) }
        }

        /// Moves backlog entries into librdkafka while there is room, oldest first.
        mutating func drainBacklog() -> [Action] {
            var actions: [Action] = []
            while !recovering, let id = backlog.first {
                guard let entry = entries[id], entry.isInBacklog else {
                    backlog.removeFirst()
                    continue
                }
                if entry.cancelled {
                    // Its task is about to register and learn of the cancellation.
                    backlog.removeFirst()
                    continue
                }
                let code = client.produce(entry.message, id: id)
                if code == RDKafkaErrorCodes.queueFull || code == RDKafkaErrorCodes.fatal { break }
                backlog.removeFirst()
                if code == RDKafkaErrorCodes.noError {
                    entry.generation = generation
                } else {
                    entries[id] = nil
                    let error = KafkaError.librdkafka(code, context: "cannot enqueue a message for '\(entry.message.topic)'")
                    actions.append { entry.handler(.failure(error)) }
                }
                if let waiter = entry.waiter {
                    entry.waiter = nil
                    actions.append { waiter.resume() }
                }
            }
            if hasRoomForWaiters {
                // Their messages stay queued in the backlog, which now has room: the senders may go on.
                while let id = waiting.popFirst() {
                    if let entry = entries[id], let waiter = entry.waiter {
                        entry.waiter = nil
                        entry.released = true
                        actions.append { waiter.resume() }
                    }
                }
            }
            return actions
        }

        /// Keeps a settled batch for a sender to release. Returns what the caller (the delivery thread)
        /// must release itself: everything once nothing is outstanding (no sender may come soon), or once
        /// more than a few batches wait.
        mutating func release(_ batch: [Settled]) -> [[Settled]] {
            released.append(batch)
            guard released.count > 8 || entries.isEmpty else { return [] }
            return takeReleased()
        }

        /// Takes the settled batches waiting to be released.
        mutating func takeReleased() -> [[Settled]] {
            guard !released.isEmpty else { return [] }
            defer { released.removeAll() }
            return released
        }

        /// Settles the delivery reports of librdkafka instance `generation`: removes each settled entry
        /// and returns it with its report, for the caller to run outside the lock. Failures while
        /// the instance is in a fatal state are kept, to be sent again by the recreated producer.
        mutating func settle(
            _ deliveries: [RDKafkaDelivery],
            generation reportGeneration: Int,
            keepFailures: Bool
        ) -> [Settled] {
            var settled: [Settled] = []
            settled.reserveCapacity(deliveries.count)
            for delivery in deliveries {
                if keepFailures && delivery.error != RDKafkaErrorCodes.noError { continue }
                // A report from a retired instance, for a message its successor re-sent, is not the outcome.
                guard let entry = entries[delivery.messageID], entry.generation == reportGeneration else { continue }
                entries[delivery.messageID] = nil
                settled.append(Settled(entry: entry, delivery: delivery))
            }
            return settled
        }

        /// The entries handed to the current librdkafka instance (not waiting in the backlog), by id.
        var handedOver: [AnyObject] {
            entries.ids.compactMap { entries[$0] }.filter { !$0.isInBacklog }
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
            loop = newLoop
            generation += 1
            recovering = false
            let unacknowledged = entries.ids.filter { entries[$0]?.isInBacklog == false }
            var overflow: [UInt64] = []
            var actions: [Action] = []
            for id in unacknowledged {
                guard let entry = entries[id] else { continue }
                let code = overflow.isEmpty ? client.produce(entry.message, id: id) : RDKafkaErrorCodes.queueFull
                if code == RDKafkaErrorCodes.noError {
                    entry.generation = generation
                } else if code == RDKafkaErrorCodes.queueFull {
                    entry.generation = nil
                    overflow.append(id)
                } else {
                    entries[id] = nil
                    let error = KafkaError.librdkafka(code, context: "cannot re-send message \(id) after recovery")
                    actions.append { entry.handler(.failure(error)) }
                }
            }
            backlog.insert(contentsOf: overflow, at: 0)
            return (unacknowledged.count, actions + drainBacklog())
        }

        /// Fails every outstanding message with `error` and releases their waiters.
        mutating func failAll(_ error: KafkaError) -> [Action] {
            // librdkafka may still hold some of them, and read their payloads, until it is destroyed.
            client.retainUntilDestroyed(handedOver)
            let failed = entries.ids.compactMap { entries[$0] }
            entries.removeAll()
            backlog.removeAll()
            waiting.removeAll()
            return failed.map { entry in
                {
                    entry.handler(.failure(error))
                    entry.waiter?.resume()
                }
            }
        }
    }
}
