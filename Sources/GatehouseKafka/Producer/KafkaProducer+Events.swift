import Logging
import Metrics
import Synchronization

extension KafkaProducer {
    /// Starts the thread that serves librdkafka instance `generation`'s event queue. When the loop ends,
    /// the thread destroys that instance.
    func startEventLoop(_ loop: EventLoopControl, client: RDKafkaClient, generation: Int) {
        loop.start(name: "gh-producer-\(generation)") { [weak self] in
            while !loop.shouldStop {
                guard let event = client.pollEvent(timeoutMilliseconds: 1000) else { continue }
                guard let self else {
                    event.destroy()
                    break
                }
                let keepGoing = self.handle(event, client: client, generation: generation)
                event.destroy()
                // Destroying a delivery-report event frees queue room, so the backlog can move now.
                let actions = self.state.withLock { $0.drainBacklog() }
                for action in actions { action() }
                if !keepGoing { break }
            }
            // A retired instance may still hold messages that its successor re-sent; drop them.
            client.purgeAll()
        }
    }

    /// Handles one event; returns false when this instance is retired and its loop should end.
    private func handle(_ event: RDKafkaEvent, client: RDKafkaClient, generation: Int) -> Bool {
        switch event.kind {
        case .deliveryReport:
            let deliveries = client.deliveries(in: event)
            let anyFailed = deliveries.contains { $0.error != RDKafkaErrorCodes.noError }
            let fatal = anyFailed ? client.fatalError : nil
            let keepFailures = fatal != nil && configuration.recreateOnFatalError
            let settling = state.withLock { $0.settle(deliveries, generation: generation, keepFailures: keepFailures) }
            var failed = 0
            var topic = (handle: UInt(0), name: "")
            for item in settling {
                if item.delivery.topicHandle != topic.handle {
                    topic = (item.delivery.topicHandle, client.topicName(item.delivery.topicHandle))
                }
                let result = item.delivery.result(topic: topic.name)
                if case .failure = result { failed += 1 }
                // The slot keeps the recipient until `finishSettling`, so it needs no reference count here.
                item.recipient._withUnsafeGuaranteedRef { $0.handler(result) }
            }
            metrics.delivered.increment(by: settling.count - failed)
            metrics.failed.increment(by: failed)
            // A sender empties the settled slots (see `StateMachine.reclaimForSender`); what this thread
            // has to release itself is released here, outside the lock.
            let (reclaimed, outstanding) = state.withLock { ($0.finishSettling(settling), $0.entries.count) }
            for item in reclaimed { item.release() }
            if let fatal, keepFailures {
                return !recover(from: generation, reason: fatal)
            }
            metrics.outstanding.record(outstanding)
            return true
        case .error:
            let code = event.errorCode
            if event.isFatal {
                let fatal = client.fatalError ?? .librdkafka(code, context: event.errorString, isFatal: true)
                logger.error(
                    "Kafka producer fatal error: \(fatal.message)",
                    metadata: [KafkaLoggingKeys.error: "\(fatal.code)", KafkaLoggingKeys.generation: "\(generation)"]
                )
                if configuration.recreateOnFatalError {
                    return !recover(from: generation, reason: fatal)
                }
                let (failed, actions) = state.withLock { $0.failAll(fatal) }
                metrics.failed.increment(by: failed)
                for action in actions { action() }
                return true
            }
            metrics.errors.increment()
            logger.warning(
                "Kafka producer error: \(event.errorString)",
                metadata: [
                    KafkaLoggingKeys.error: "\(KafkaError.Code.librdkafka(code))", KafkaLoggingKeys.client: "\(client.name)",
                ]
            )
            return true
        case .log:
            RDKafkaLogging.forward(event, client: client.name, to: logger)
            return true
        case .statistics:
            if let json = event.statisticsJSON { metrics.statistics.record(json) }
            return true
        default:
            return true
        }
    }

    /// Replaces a fatally failed librdkafka instance and re-sends every unacknowledged message.
    /// Returns true when instance `generation` is retired.
    private func recover(from generation: Int, reason: KafkaError) -> Bool {
        guard state.withLock({ $0.beginRecovery(from: generation) }) else { return false }
        metrics.recreated.increment()
        let newClient: RDKafkaClient
        do {
            newClient = try Self.makeClient(configuration)
        } catch {
            logger.critical("Cannot recreate the Kafka producer after a fatal error: \(error)")
            let (failed, actions) = state.withLock { state in
                state.recovering = false
                return state.failAll(reason)
            }
            metrics.failed.increment(by: failed)
            for action in actions { action() }
            return false
        }
        let loop = EventLoopControl(client: newClient)
        let (resent, actions) = state.withLock { $0.install(newClient, loop: loop) }
        startEventLoop(loop, client: newClient, generation: generation + 1)
        for action in actions { action() }
        logger.warning(
            "Recreated the Kafka producer after a fatal error; re-sending unacknowledged messages",
            metadata: [KafkaLoggingKeys.count: "\(resent)", KafkaLoggingKeys.generation: "\(generation + 1)"]
        )
        return true
    }
}
