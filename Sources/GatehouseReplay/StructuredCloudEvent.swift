public import GatehouseKafka
import GatehouseSignup

/// A record in CloudEvents binary mode written as one structured-mode JSON object, for JSON Lines.
///
/// The data is spliced in as it is (it is JSON, per `content-type`), not parsed and re-encoded, and
/// header values are copied as bytes: a replay to stdout writes at the speed of the disk, not of a
/// JSON encoder.
public enum StructuredCloudEvent {
    /// The members written from headers, in the order written: the `ce_*` attributes, then the content
    /// type and the trace context.
    static let members: [(header: String, member: String)] = [
        ("ce_specversion", "specversion"), ("ce_id", "id"), ("ce_source", "source"), ("ce_type", "type"), ("ce_time", "time"),
        ("ce_subject", "subject"), ("content-type", "datacontenttype"), ("traceparent", "traceparent"),
    ]
    private static let contentTypeSlot = 6

    /// Appends the record as one line (with its newline) to `output`.
    public static func appendLine(_ record: KafkaConsumerMessage, to output: inout [UInt8]) {
        // One pass over the headers: where each member's header is (the first of its name).
        var found = InlineArray<8, Int>(repeating: -1)
        for (index, header) in record.headers.enumerated() {
            if let slot = members.firstIndex(where: { $0.header == header.key }), found[slot] < 0 { found[slot] = index }
        }
        output.append(UInt8(ascii: "{"))
        for slot in found.indices {
            let names = members[slot]
            if found[slot] >= 0 {
                member(names.member, record.headers[found[slot]].value ?? [], to: &output)
            } else if slot == contentTypeSlot {
                member(names.member, Array("application/json".utf8), to: &output)
            }
        }
        for header in record.headers where header.key.hasPrefix("gatehouse_") {
            member(header.key, header.value ?? [], to: &output)
        }
        JSONValue.writeString("data", into: &output)
        output.append(UInt8(ascii: ":"))
        if let value = record.value, !value.isEmpty {
            output.append(contentsOf: value)
        } else {
            output.append(contentsOf: "null".utf8)
        }
        output.append(UInt8(ascii: "}"))
        output.append(UInt8(ascii: "\n"))
    }

    /// `"name":"value",`: every member is followed by another (the data comes last).
    private static func member(_ name: String, _ value: [UInt8], to output: inout [UInt8]) {
        JSONValue.writeString(name, into: &output)
        output.append(UInt8(ascii: ":"))
        if value.withUnsafeBufferPointer(isASCII) || String(validating: value, as: UTF8.self) != nil {
            value.withUnsafeBufferPointer { JSONValue.writeString(utf8: $0, into: &output) }
        } else {
            // Not UTF-8: written as text with replacement characters, never as invalid JSON.
            JSONValue.writeString(String(decoding: value, as: UTF8.self), into: &output)
        }
        output.append(UInt8(ascii: ","))
    }

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var combined: UInt8 = 0
        for byte in bytes { combined |= byte }
        return combined < 0x80
    }
}
