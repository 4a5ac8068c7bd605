import GatehouseKafka
import GatehouseSignup

extension WorkerEvent {
    /// The event in CloudEvents structured mode: the default body of every target.
    var structuredCloudEvent: JSONValue {
        var object: [String: JSONValue] = [
            "specversion": .string(record.headers.first(named: "ce_specversion") ?? SignupEvent.specVersion),
            "id": .string(id),
            "source": .string(source),
            "type": .string(type),
            "datacontenttype": .string("application/json"),
            "data": data,
        ]
        if let subject { object["subject"] = .string(subject) }
        if let time { object["time"] = .string(SignupEvent.timestamp(time)) }
        return .object(object)
    }

    /// What a ``NotificationTemplate`` sees: the structured event's attributes, `data` as nested
    /// dictionaries, and `eventJSON` and `dataJSON` as text.
    var templateContext: [String: Any] {
        let event = structuredCloudEvent
        var context = (Self.mustacheValue(event) as? [String: Any]) ?? [:]
        context["eventJSON"] = String(decoding: event.canonicalBytes(), as: UTF8.self)
        context["dataJSON"] = String(decoding: data.canonicalBytes(), as: UTF8.self)
        return context
    }

    /// A JSON value as Mustache walks it: nulls dropped, so that `{{^name}}` sections see them as absent.
    private static func mustacheValue(_ value: JSONValue) -> Any? {
        switch value {
        case .null: nil
        case .bool(let value): value
        case .int(let value): value
        case .double(let value): value
        case .string(let value): value
        case .array(let values): values.compactMap(mustacheValue)
        case .object(let members): members.compactMapValues(mustacheValue)
        }
    }
}
