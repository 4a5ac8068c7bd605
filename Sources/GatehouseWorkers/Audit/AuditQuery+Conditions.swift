import GatehouseSignup

extension AuditQuery {
    /// The query's filters as SQL conditions on `audit_records`, each with its one value, for every
    /// store's dialect to number its own placeholders.
    var conditions: [(column: String, operator: String, value: String)] {
        var conditions: [(column: String, operator: String, value: String)] = []
        if let subject { conditions.append(("subject", "=", subject.lowercased())) }
        if let eventID { conditions.append(("event_id", "=", eventID)) }
        if let type { conditions.append(("type", "=", type)) }
        // Event times are stored as RFC 3339 text in one format, so text order is time order.
        if let since { conditions.append(("time", ">=", SignupEvent.timestamp(since))) }
        if let until { conditions.append(("time", "<", SignupEvent.timestamp(until))) }
        return conditions
    }
}
