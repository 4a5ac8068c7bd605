public import GatehouseKafka

/// Which events of the range a replay hands to its destination.
public struct ReplayFilter: Sendable, Hashable {
    /// Only these CloudEvents types; empty means all.
    public var types: Set<String> = []
    /// Only this user: a user key or an email, compared without case to `ce_subject` and the record key.
    public var user: String?

    public init(types: Set<String> = [], user: String? = nil) {
        self.types = types
        self.user = user?.lowercased()
    }

    /// Whether a record passes.
    public func accepts(_ record: KafkaConsumerMessage) -> Bool {
        if !types.isEmpty {
            guard let type = record.headers.first(named: "ce_type"), types.contains(type) else { return false }
        }
        if let user {
            let subject = record.headers.first(named: "ce_subject")?.lowercased() ?? record.keyString?.lowercased()
            guard subject == user else { return false }
        }
        return true
    }
}
