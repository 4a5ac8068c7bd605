/// How the local outbox stores events.
public struct OutboxConfiguration: Sendable {
    /// The SQLite file; its directory must exist.
    public var path: String
    /// The most unpublished records the outbox holds; past it, appends are refused.
    public var maxRecords: Int = 1_000_000
    /// The most records one group commit writes, so one fsync covers up to this many answers.
    public var maxBatch: Int = 512
    /// How long published records are kept, to recognise identity-provider retries after a restart.
    public var retention: Duration = .seconds(600)
    /// How many just-committed records are kept in memory for the publisher, which otherwise reads
    /// them back from SQLite.
    public var memoryTail: Int = 8_192

    public init(path: String) {
        self.path = path
    }
}
