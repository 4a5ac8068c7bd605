/// A record header: a name and an optional byte value.
public struct KafkaHeader: Hashable, Sendable {
    /// The header name, for example `ce_id`.
    public var key: String
    /// The value; `nil` is a header with no value, which Kafka distinguishes from an empty one.
    public var value: [UInt8]?

    /// Creates a header with a byte value.
    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// Creates a header with a UTF-8 string value.
    public init(key: String, value: String) {
        self.key = key
        self.value = Array(value.utf8)
    }

    /// The value as UTF-8 text, if there is a value.
    public var stringValue: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}

extension Array where Element == KafkaHeader {
    /// The value of the first header named `key`, as text.
    public func first(named key: String) -> String? {
        first { $0.key == key }?.stringValue
    }
}
