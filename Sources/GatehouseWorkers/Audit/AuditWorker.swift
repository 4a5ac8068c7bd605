import Foundation
import GatehouseKafka
public import GatehouseSignup

/// The built-in audit worker: appends every sign-up event, and every worker outcome, to the audit
/// store, hash-chained and idempotent on event id, in batches of up to 512 per transaction. The
/// outcomes let `gatehouse trace` show what each worker did with a sign-up.
public struct AuditWorker: SignupWorker {
    public let name: String
    public let eventTypes: Set<String>
    public var maxBatchSize: Int { 512 }
    /// One lane: every batch appends to the one hash chain, under one write lock, so parallel lanes
    /// would only queue for it; one lane makes the batches as large as the backlog allows.
    public var concurrency: Int? { 1 }
    private let store: any AuditStore

    /// An audit worker storing events of `eventTypes` (sign-up events by default) in `store`.
    public init(name: String = "audit", store: any AuditStore, eventTypes: Set<String> = [SignupEvent.type, WorkerOutcome.type]) {
        self.name = name
        self.store = store
        self.eventTypes = eventTypes
    }

    public func handle(_ event: WorkerEvent, context: WorkerContext) async throws {
        try await store.append([Self.entry(event)])
    }

    public func handle(batch: [WorkerEvent], context: WorkerContext) async throws {
        try await store.append(batch.map(Self.entry))
    }

    static func entry(_ event: WorkerEvent) -> AuditRecord.Entry {
        AuditRecord.Entry(
            eventID: event.id,
            type: event.type,
            source: event.source,
            subject: event.userKey.lowercased(),
            time: event.time.map(SignupEvent.timestamp) ?? SignupEvent.timestamp(Date()),
            // The data exactly as published: a parsed event is valid JSON, and Gatehouse writes it
            // canonical already, so writing it again would only cost time.
            data: event.record.value.map { String(decoding: $0, as: UTF8.self) } ?? "null",
            origin: "\(event.record.topic)/\(event.record.partition)@\(event.record.offset)"
        )
    }
}
