import DequeModule

extension KafkaProducer {
    /// Where an accepted message is.
    enum Placement {
        /// Waiting in Gatehouse's backlog because librdkafka's queue was full. `waiter` is the enqueuing
        /// task, resumed once the message moves on; `cancelled` marks a task cancelled before it could
        /// register as the waiter.
        case backlog(waiter: CheckedContinuation<Void, any Error>?, cancelled: Bool)
        /// Handed to librdkafka instance `generation`; a delivery report will follow.
        case sent(generation: Int)
    }

    struct Entry {
        var message: KafkaProducerMessage
        var handler: DeliveryHandler
        var placement: Placement
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
        var entries: [UInt64: Entry] = [:]
        /// Ids waiting for room in librdkafka's queue, oldest first.
        var backlog: Deque<UInt64> = []

        init(client: RDKafkaClient, loop: EventLoopControl) {
            self.client = client
            self.loop = loop
        }

        enum EnqueueResult {
            case sent(UInt64)
            case mustWait(UInt64)
            case rejected(KafkaError)
        }

        /// Accepts a message: hands it to librdkafka at once if nothing is ahead of it and there is room,
        /// otherwise appends it to the backlog so that order is kept.
        mutating func enqueue(_ message: KafkaProducerMessage, handler: @escaping DeliveryHandler) -> EnqueueResult {
            guard accepting else {
                return .rejected(.shutDown("the producer is shutting down; message for '\(message.topic)' not sent"))
            }
            let id = nextID
            nextID += 1
            if backlog.isEmpty && !recovering {
                let code = client.produce(message, id: id)
                if code == RDKafkaErrorCodes.noError {
                    entries[id] = Entry(message: message, handler: handler, placement: .sent(generation: generation))
                    return .sent(id)
                }
                // A fatal instance is about to be replaced; the backlog carries the message over.
                if code != RDKafkaErrorCodes.queueFull && code != RDKafkaErrorCodes.fatal {
                    return .rejected(.librdkafka(code, context: "cannot enqueue a message for '\(message.topic)'"))
                }
            }
            entries[id] = Entry(message: message, handler: handler, placement: .backlog(waiter: nil, cancelled: false))
            backlog.append(id)
            return .mustWait(id)
        }

        /// Registers the task waiting for backlog entry `id`; returns the result to resume it with now,
        /// if the entry already moved on.
        mutating func registerWaiter(
            _ waiter: CheckedContinuation<Void, any Error>,
            for id: UInt64
        ) -> Result<Void, any Error>? {
            guard let entry = entries[id], case .backlog(_, let cancelled) = entry.placement else {
                return .success(())
            }
            if cancelled {
                entries[id] = nil
                backlog.removeAll { $0 == id }
                return .failure(CancellationError())
            }
            entries[id]?.placement = .backlog(waiter: waiter, cancelled: false)
            return nil
        }

        /// Withdraws backlog entry `id` because its task was cancelled. Messages already handed to
        /// librdkafka cannot be withdrawn.
        mutating func cancelWaiting(_ id: UInt64) -> Action? {
            guard let entry = entries[id], case .backlog(let waiter, _) = entry.placement else { return nil }
            guard let waiter else {
                entries[id]?.placement = .backlog(waiter: nil, cancelled: true)
                return nil
            }
            entries[id] = nil
            backlog.removeAll { $0 == id }
            return { waiter.resume(throwing: CancellationError()) }
        }

        /// Moves backlog entries into librdkafka while there is room, oldest first.
        mutating func drainBacklog() -> [Action] {
            var actions: [Action] = []
            while !recovering, let id = backlog.first {
                guard let entry = entries[id], case .backlog(let waiter, let cancelled) = entry.placement else {
                    backlog.removeFirst()
                    continue
                }
                if cancelled {
                    // Its task is about to register and learn of the cancellation.
                    backlog.removeFirst()
                    continue
                }
                let code = client.produce(entry.message, id: id)
                if code == RDKafkaErrorCodes.queueFull || code == RDKafkaErrorCodes.fatal { break }
                backlog.removeFirst()
                if code == RDKafkaErrorCodes.noError {
                    entries[id]?.placement = .sent(generation: generation)
                } else {
                    entries[id] = nil
                    let error = KafkaError.librdkafka(code, context: "cannot enqueue a message for '\(entry.message.topic)'")
                    actions.append { entry.handler(.failure(error)) }
                }
                if let waiter { actions.append { waiter.resume() } }
            }
            return actions
        }

        /// Settles the delivery reports of librdkafka instance `generation`. Failures while the instance
        /// is in a fatal state are kept, to be sent again by the recreated producer.
        mutating func settle(
            _ deliveries: [RDKafkaDelivery],
            generation reportGeneration: Int,
            keepFailures: Bool
        ) -> (actions: [Action], delivered: Int, failed: Int) {
            var actions: [Action] = []
            actions.reserveCapacity(deliveries.count)
            var delivered = 0
            var failed = 0
            for delivery in deliveries {
                guard let entry = entries[delivery.messageID],
                    case .sent(let entryGeneration) = entry.placement, entryGeneration == reportGeneration
                else { continue }
                let result: Result<KafkaDeliveryReport, KafkaError>
                if delivery.error == RDKafkaErrorCodes.noError {
                    delivered += 1
                    result = .success(
                        KafkaDeliveryReport(
                            messageID: KafkaMessageID(delivery.messageID),
                            topicPartition: KafkaTopicPartition(topic: delivery.topic, partition: delivery.partition),
                            offset: delivery.offset >= 0 ? delivery.offset : nil,
                            timestamp: delivery.timestampMilliseconds >= 0
                                ? Date(timeIntervalSince1970: Double(delivery.timestampMilliseconds) / 1000) : nil
                        )
                    )
                } else if keepFailures {
                    continue
                } else {
                    failed += 1
                    result = .failure(
                        .librdkafka(
                            delivery.error,
                            context: "message \(delivery.messageID) to '\(delivery.topic)' failed",
                            persistence: delivery.persistence
                        )
                    )
                }
                entries[delivery.messageID] = nil
                let handler = entry.handler
                actions.append { handler(result) }
            }
            return (actions, delivered, failed)
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
            client = newClient
            loop = newLoop
            generation += 1
            recovering = false
            let unacknowledged = entries.compactMap { id, entry -> UInt64? in
                if case .sent = entry.placement { return id }
                return nil
            }.sorted()
            var overflow: [UInt64] = []
            var actions: [Action] = []
            for id in unacknowledged {
                guard let entry = entries[id] else { continue }
                let code = overflow.isEmpty ? client.produce(entry.message, id: id) : RDKafkaErrorCodes.queueFull
                if code == RDKafkaErrorCodes.noError {
                    entries[id]?.placement = .sent(generation: generation)
                } else if code == RDKafkaErrorCodes.queueFull {
                    entries[id]?.placement = .backlog(waiter: nil, cancelled: false)
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
            let failed = entries.sorted { $0.key < $1.key }
            entries.removeAll()
            backlog.removeAll()
            return failed.map { _, entry in
                {
                    entry.handler(.failure(error))
                    if case .backlog(let waiter?, _) = entry.placement { waiter.resume() }
                }
            }
        }
    }
}

import struct Foundation.Date
