import Foundation
import GatehouseKafka
import GatehouseSignup
import Logging
import Metrics
import ServiceLifecycle

extension WorkerRunner {
    /// Handles one lane's batch: waits for retries to be due, passes over what is not for this worker or
    /// already completed, handles the rest, and settles each event (done, retry or dead letter) before
    /// marking its offset.
    func process(_ batch: [KafkaConsumerMessage], consumer: KafkaConsumer, retryLevel: Int?, _ context: Context) async {
        var pending: [WorkerEvent] = []
        for message in batch {
            let event: WorkerEvent
            do {
                event = try WorkerEvent(message)
            } catch {
                await settle(message: message, event: nil, failure: error, attempt: 1, consumer: consumer, context)
                continue
            }
            if retryLevel != nil, let due = message.headers.first(named: WorkerHeaders.due).flatMap(SignupEvent.parseTimestamp) {
                let wait = due.timeIntervalSinceNow
                if wait > 0 {
                    // Shutdown interrupts the wait; the record is then read again by the next owner.
                    do {
                        try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
                    } catch {
                        return
                    }
                }
            }
            guard worker.eventTypes.contains(event.type) else {
                metrics.skipped.increment()
                consumer.markDone(message)
                continue
            }
            pending.append(event)
        }
        guard !pending.isEmpty else { return }

        let completed: Set<String>
        do {
            completed = try await context.store.completed(among: pending.map(\.id))
        } catch {
            logger.error("The idempotency records cannot be read; retrying the events", metadata: ["error": "\(error)"])
            for event in pending {
                await settle(
                    message: event.record, event: event, failure: error, attempt: Self.attempt(of: event), consumer: consumer, context)
            }
            return
        }
        var fresh: [WorkerEvent] = []
        for event in pending {
            if completed.contains(event.id) {
                metrics.duplicate.increment()
                await publishOutcome(
                    .init(
                        worker: worker.name, eventID: event.id, userKey: event.userKey, status: .duplicate, attempt: Self.attempt(of: event)
                    ), context, of: event.type)
                consumer.markDone(event.record)
            } else {
                fresh.append(event)
            }
        }
        guard !fresh.isEmpty else { return }

        var succeeded: [WorkerEvent] = []
        var failures: [(WorkerEvent, any Error)] = []
        let start = ContinuousClock.now
        if fresh.count > 1 {
            do {
                try await worker.handle(batch: fresh, context: WorkerContext(logger: logger, attempt: Self.attempt(of: fresh[0])))
                succeeded = fresh
            } catch {
                logger.debug("A batch failed; handling its events one by one", metadata: ["error": "\(error)", "events": "\(fresh.count)"])
            }
        }
        if succeeded.isEmpty {
            for event in fresh {
                do {
                    try await worker.handle(event, context: WorkerContext(logger: logger, attempt: Self.attempt(of: event)))
                    succeeded.append(event)
                } catch {
                    failures.append((event, error))
                }
            }
        }
        metrics.latency.recordNanoseconds((ContinuousClock.now - start).nanoseconds / Int64(max(fresh.count, 1)))

        if !succeeded.isEmpty {
            do {
                try await context.store.record(succeeded.map(\.id))
            } catch {
                // The effects happened; without the record a redelivery would repeat them, so the
                // offsets stay unstored and the events are redelivered (at least once).
                logger.error("Completed events could not be recorded; they will be delivered again", metadata: ["error": "\(error)"])
                return
            }
            for event in succeeded {
                metrics.done.increment()
                await publishOutcome(
                    .init(worker: worker.name, eventID: event.id, userKey: event.userKey, status: .done, attempt: Self.attempt(of: event)),
                    context, of: event.type)
                consumer.markDone(event.record)
            }
        }
        for (event, error) in failures {
            metrics.failed.increment()
            await settle(message: event.record, event: event, failure: error, attempt: Self.attempt(of: event), consumer: consumer, context)
        }
    }

    /// The attempt number of an event: one more than the failures its headers count.
    static func attempt(of event: WorkerEvent) -> Int {
        (event.record.headers.first(named: WorkerHeaders.attempts).flatMap(Int.init) ?? 0) + 1
    }

    /// Writes a failed event to its retry topic, or to dead letters when retrying cannot help or the
    /// attempts are used up, and marks it done once the broker has it.
    private func settle(
        message: KafkaConsumerMessage, event: WorkerEvent?, failure: any Error, attempt: Int, consumer: KafkaConsumer, _ context: Context
    ) async {
        let now = Date()
        let permanent = failure is PermanentFailure
        let reason = "\(failure)"
        let deadLetter = permanent || attempt >= configuration.maxAttempts
        var delay = configuration.delay(afterFailures: attempt)
        if let later = failure as? RetryLater, later.after > delay { delay = later.after }
        let due = now.addingTimeInterval(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
        let origin = event?.origin ?? WorkerEvent.Origin(topic: message.topic, partition: message.partition, offset: message.offset)

        var headers = message.headers.filter { !WorkerHeaders.all.contains($0.key) }
        headers += [
            KafkaHeader(key: WorkerHeaders.originTopic, value: origin.topic),
            KafkaHeader(key: WorkerHeaders.originPartition, value: String(origin.partition)),
            KafkaHeader(key: WorkerHeaders.originOffset, value: String(origin.offset)),
            KafkaHeader(key: WorkerHeaders.attempts, value: String(attempt)),
            KafkaHeader(
                key: WorkerHeaders.firstFailure,
                value: message.headers.first(named: WorkerHeaders.firstFailure) ?? SignupEvent.timestamp(now)),
            KafkaHeader(key: WorkerHeaders.lastFailure, value: SignupEvent.timestamp(now)),
            KafkaHeader(key: WorkerHeaders.error, value: reason),
            KafkaHeader(key: WorkerHeaders.worker, value: worker.name),
        ]
        let topic: String
        if deadLetter {
            topic = configuration.deadLetterTopic(worker: worker.name)
            headers.append(KafkaHeader(key: WorkerHeaders.permanent, value: permanent ? "true" : "false"))
        } else {
            topic = configuration.retryTopic(worker: worker.name, failures: attempt)
            headers.append(KafkaHeader(key: WorkerHeaders.due, value: SignupEvent.timestamp(due)))
        }
        do {
            _ = try await context.producer.send(
                KafkaProducerMessage(topic: topic, key: message.key, value: message.value, headers: headers))
        } catch {
            // Unstored, the offset holds the partition's commit back here: the event is read again
            // after a restart or rebalance rather than lost.
            logger.error(
                "A failed event could not be written to its retry or dead-letter topic; it will be delivered again",
                metadata: ["topic": "\(topic)", "error": "\(error)", "event.id": "\(event?.id ?? "?")"]
            )
            return
        }
        let eventID = event?.id ?? message.headers.first(named: "ce_id") ?? "\(origin)"
        let userKey = event?.userKey ?? message.keyString ?? ""
        if deadLetter {
            metrics.deadLettered.increment()
            logger.warning(
                "Event dead-lettered",
                metadata: ["event.id": "\(eventID)", "attempts": "\(attempt)", "permanent": "\(permanent)", "error": "\(reason)"]
            )
            await publishOutcome(
                .init(worker: worker.name, eventID: eventID, userKey: userKey, status: .deadLettered, attempt: attempt, error: reason),
                context, of: event?.type)
        } else {
            metrics.retried.increment()
            logger.info("Event will be retried", metadata: ["event.id": "\(eventID)", "attempt": "\(attempt)", "topic": "\(topic)"])
            await publishOutcome(
                .init(
                    worker: worker.name, eventID: eventID, userKey: userKey, status: .retrying, attempt: attempt, error: reason, due: due),
                context, of: event?.type)
        }
        consumer.markDone(message)
    }

    /// Publishes an outcome record without waiting for it: outcomes serve tracing, not delivery. An
    /// outcome of handling an outcome record (the audit worker stores them) is not published, or
    /// outcomes would beget outcomes forever.
    private func publishOutcome(_ outcome: WorkerOutcome, _ context: Context, of type: String? = nil) async {
        guard let topic = configuration.outcomesTopic, type != WorkerOutcome.type else { return }
        let headers = [
            KafkaHeader(key: "ce_specversion", value: "1.0"), KafkaHeader(key: "ce_id", value: RandomID.uuid()),
            KafkaHeader(key: "ce_source", value: "/gatehouse/workers/\(worker.name)"),
            KafkaHeader(key: "ce_type", value: WorkerOutcome.type),
            KafkaHeader(key: "ce_time", value: SignupEvent.timestamp(outcome.time)), KafkaHeader(key: "ce_subject", value: outcome.userKey),
            KafkaHeader(key: "content-type", value: "application/json"),
        ]
        let message = KafkaProducerMessage(
            topic: topic, key: Array(outcome.userKey.utf8), value: outcome.json.canonicalBytes(), headers: headers)
        do {
            try await context.producer.enqueue(message, to: .ignoring)
        } catch {
            logger.debug("An outcome record was not published", metadata: ["error": "\(error)"])
        }
    }
}
