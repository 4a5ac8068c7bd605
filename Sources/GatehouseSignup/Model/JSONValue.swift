import Foundation

/// Any JSON value, keeping integers apart from other numbers so that an int64 attribute stays an
/// integer on the way back out.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The object's members, if this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// A member of an object, or `nil`.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Whether this is a string, number, boolean or null.
    public var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    /// The value as text, for conditions and logs: strings as they are, numbers and booleans printed.
    public var textValue: String? {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .bool(let value): String(value)
        default: nil
        }
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Ordered by how often each kind appears in sign-up bodies: every failed attempt costs an error.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else {
            self = .array(try container.decode([JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// Parses a request body.
    ///
    /// - Throws: ``MalformedJSON`` saying where the text stops being JSON.
    public static func parse(_ bytes: some Collection<UInt8>) throws(MalformedJSON) -> JSONValue {
        var parser = JSONParser(Array(bytes))
        return try parser.parseDocument()
    }

    /// The value as compact JSON with sorted keys: the same value always gives the same bytes.
    ///
    /// Written directly rather than through `JSONEncoder`, which cost a fifth of the gateway's CPU in the
    /// benchmark (bench/gateway.sh): every answer, event and fingerprint is serialised on the request path.
    public func canonicalBytes() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(into: &output)
        return output
    }

    /// Appends the value as compact JSON with sorted keys, the bytes ``canonicalBytes()`` returns.
    public func writeCanonical(into output: inout [UInt8]) {
        write(into: &output)
    }

    private func write(into output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value):
            output.append(contentsOf: String(value).utf8)
        case .double(let value):
            if value.isFinite {
                if value == value.rounded(), abs(value) < 1e15 {
                    output.append(contentsOf: String(Int64(value)).utf8)
                    output.append(contentsOf: ".0".utf8)
                } else {
                    output.append(contentsOf: "\(value)".utf8)
                }
            } else {
                output.append(contentsOf: "null".utf8)
            }
        case .string(let value):
            Self.writeString(value, into: &output)
        case .array(let values):
            output.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                value.write(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            Self.writeObject(members, into: &output)
        }
    }

    static func writeObject(_ members: [String: JSONValue], into output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        // Sorting the members rather than the keys spares a hash lookup per member.
        for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            writeString(member.key, into: &output)
            output.append(UInt8(ascii: ":"))
            member.value.write(into: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `value` as a JSON string literal, quoted and escaped.
    public static func writeString(_ value: String, into output: inout [UInt8]) {
        var copy = value
        copy.withUTF8 { writeString(utf8: $0, into: &output) }
    }

    /// Appends `utf8` (valid UTF-8) as a JSON string literal, quoted and escaped.
    public static func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Copy runs that need no escaping in one go. JSON text held in a string (the audit chain's
        // content) has an escape every few bytes, so each escape is two or six appends, no more.
        var runStart = 0
        var position = 0
        while position < bytes.count {
            let byte = bytes[position]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                position += 1
                continue
            }
            if runStart < position { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position])) }
            output.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
            case 0x0A: output.append(UInt8(ascii: "n"))
            case 0x0D: output.append(UInt8(ascii: "r"))
            case 0x09: output.append(UInt8(ascii: "t"))
            default:
                output.append(UInt8(ascii: "u"))
                output.append(UInt8(ascii: "0"))
                output.append(UInt8(ascii: "0"))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
            position += 1
            runStart = position
        }
        if runStart < bytes.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        output.append(UInt8(ascii: "\""))
    }
}

/// A value that writes itself as canonical JSON (compact, keys sorted), as events carry it.
public protocol CanonicalJSONWritable {
    /// Appends the value's canonical JSON.
    func writeCanonical(into output: inout [UInt8])
}

extension CanonicalJSONWritable {
    /// The value as JSON: its canonical bytes, read back.
    public var json: JSONValue {
        var bytes: [UInt8] = []
        writeCanonical(into: &bytes)
        // The bytes were just written as JSON; parsing them again cannot fail.
        return (try? JSONValue.parse(bytes)) ?? .null
    }
}

/// Writes a JSON object member by member for a caller that knows its keys: the bytes
/// ``JSONValue/canonicalBytes()`` gives for the same object, without building the object first, as long
/// as the caller names the members in sorted order (the request path writes every event this way).
struct SortedMembers {
    private var separator = UInt8(ascii: "{")

    /// Starts the next member: appends its key, which must sort after the previous one and need no
    /// escaping, and the colon. The caller then appends the value.
    mutating func key(_ name: StaticString, into output: inout [UInt8]) {
        output.append(separator)
        separator = UInt8(ascii: ",")
        output.append(UInt8(ascii: "\""))
        output.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        output.append(UInt8(ascii: "\""))
        output.append(UInt8(ascii: ":"))
    }

    /// A member whose value is a string, or none when it is `nil`.
    mutating func string(_ name: StaticString, _ value: String?, into output: inout [UInt8]) {
        guard let value else { return }
        key(name, into: &output)
        JSONValue.writeString(value, into: &output)
    }

    /// A member whose value is a string, or `null` when it is `nil`.
    mutating func stringOrNull(_ name: StaticString, _ value: String?, into output: inout [UInt8]) {
        key(name, into: &output)
        if let value { JSONValue.writeString(value, into: &output) } else { output.append(contentsOf: "null".utf8) }
    }

    /// Closes the object.
    func end(into output: inout [UInt8]) {
        if separator == UInt8(ascii: "{") { output.append(separator) }
        output.append(UInt8(ascii: "}"))
    }
}

/// A body that is not JSON.
public struct MalformedJSON: Error, Sendable, CustomStringConvertible {
    /// Where and why parsing stopped.
    public let detail: String

    public var description: String { "malformed JSON: \(detail)" }
}
