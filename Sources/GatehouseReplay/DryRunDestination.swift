public import GatehouseKafka
public import GatehouseWorkers
import Synchronization

/// Counts what a replay would do and changes nothing: with a worker's idempotency records, it also
/// counts the events that worker would pass over as done.
public final class DryRunDestination: ReplayDestination {
    private let records: CompletedEvents?
    private let eventTypes: Set<String>?

    /// A dry run for a destination; `records` and `eventTypes` for a worker destination.
    public init(records: CompletedEvents? = nil, eventTypes: Set<String>? = nil) {
        self.records = records
        self.eventTypes = eventTypes
    }

    public func deliver(_ record: KafkaConsumerMessage) async throws -> Bool {
        if let eventTypes, !eventTypes.contains(record.headers.first(named: "ce_type") ?? "") { return false }
        guard let records, let id = record.headers.first(named: "ce_id") else { return true }
        return try await !records.contains(id)
    }

    public func finish() async throws -> Int { 0 }
}
