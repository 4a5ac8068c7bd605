public import GatehouseKafka

/// Where a replay sends the events it selects.
public protocol ReplayDestination: Sendable {
    /// Takes one event. Returns `false` when it was passed over as already done (a worker's
    /// idempotency records).
    func deliver(_ record: KafkaConsumerMessage) async throws -> Bool
    /// Finishes what is buffered; called once at the end, also after an interruption. Returns how many
    /// buffered events were passed over as already done.
    func finish() async throws -> Int
}
