public import GatehouseKafka

/// A record in CloudEvents binary mode written as one structured-mode JSON object, for JSON Lines.
///
/// The data is spliced in as it is (it is JSON, per `content-type`), not parsed and re-encoded: a
/// replay to stdout writes at the speed of the disk, not of a JSON encoder.
public enum StructuredCloudEvent {
    /// The attributes carried as `ce_*` headers, in the order written.
    static let attributes = ["specversion", "id", "source", "type", "time", "subject"]

    /// Appends the record as one line (with its newline) to `output`.
    public static func appendLine(_ record: KafkaConsumerMessage, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        var first = true
        func member(_ name: String, _ value: String) {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            appendString(name, to: &output)
            output.append(UInt8(ascii: ":"))
            appendString(value, to: &output)
        }
        for attribute in attributes {
            if let value = record.headers.first(named: "ce_" + attribute) { member(attribute, value) }
        }
        member("datacontenttype", record.headers.first(named: "content-type") ?? "application/json")
        if let traceparent = record.headers.first(named: "traceparent") { member("traceparent", traceparent) }
        for header in record.headers where header.key.hasPrefix("gatehouse_") {
            member(header.key, header.stringValue ?? "")
        }
        if !first { output.append(UInt8(ascii: ",")) }
        appendString("data", to: &output)
        output.append(UInt8(ascii: ":"))
        if let value = record.value, !value.isEmpty {
            output.append(contentsOf: value)
        } else {
            output.append(contentsOf: Array("null".utf8))
        }
        output.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
    }

    static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
