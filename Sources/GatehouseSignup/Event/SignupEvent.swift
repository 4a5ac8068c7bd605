public import Foundation

/// A sign-up event: one call from the identity provider and Gatehouse's answer, as a CloudEvent.
///
/// On Kafka it travels in CloudEvents binary mode: the attributes are `ce_*` headers, the data is the
/// record value, and the record key is ``userKey``.
public struct SignupEvent: Sendable {
    /// The CloudEvents `type` of every sign-up event. The version is part of the type; a breaking change
    /// to the data gets a new type, and `schemas/` keeps one JSON Schema per type.
    public static let type = "dev.gatehouse.signup.v1"
    /// The CloudEvents spec version.
    public static let specVersion = "1.0"

    /// `ce_id`: unique per sign-up call. An identity-provider retry of the same call gets the first
    /// call's answer and makes no event of its own; should an event ever be published twice (after a
    /// crash between acknowledgement and marking), both copies carry this id.
    public let id: String
    /// `ce_source`: which Gatehouse answered, as `/gatehouse/<instance>`.
    public let source: String
    /// `ce_time`: when the call was received.
    public let time: Date
    /// `ce_subject` and the record key: the user key.
    public let userKey: String
    /// W3C trace context of the call.
    public let traceparent: String
    /// The event data as JSON bytes, the record value: compact, with sorted keys, written once when the
    /// event is made.
    public let dataBytes: [UInt8]

    /// The event data as a JSON value, as a worker reads it.
    public var data: JSONValue {
        // The bytes were written as JSON; parsing them cannot fail.
        (try? JSONValue.parse(dataBytes)) ?? .object([:])
    }

    /// Makes the event for a call and its answer.
    ///
    /// - Parameter canonicalRaw: `request.raw` already written canonically, when the caller has it (the
    ///   gateway hashes it for the fingerprint): spliced into the data rather than written again.
    public init(
        id: String,
        source: String,
        time: Date,
        request: SignupRequest,
        decision: SignupDecision,
        userKey: String,
        durability: String,
        traceparent: String,
        latency: Duration? = nil,
        canonicalRaw: [UInt8]? = nil
    ) {
        self.id = id
        self.source = source
        self.time = time
        self.userKey = userKey
        self.traceparent = traceparent
        // Written member by member in sorted key order, the bytes `JSONValue.canonicalBytes()` would give
        // for the data as an object, without building that object on the request path.
        var data: [UInt8] = []
        data.reserveCapacity((canonicalRaw?.count ?? 512) * 2 + 256)
        var members = SortedMembers()
        members.key("claims", into: &data)
        request.claims.writeCanonical(into: &data)
        members.stringOrNull("clientId", request.clientID, into: &data)
        members.stringOrNull("correlationId", request.correlationID, into: &data)
        if let latency {
            members.key("decidedInMicroseconds", into: &data)
            let microseconds = latency.components.seconds * 1_000_000 + latency.components.attoseconds / 1_000_000_000_000
            data.append(contentsOf: String(microseconds).utf8)
        }
        members.key("decision", into: &data)
        decision.writeCanonical(into: &data)
        members.string("dialect", request.dialect.rawValue, into: &data)
        members.string("durability", durability, into: &data)
        members.key("raw", into: &data)
        if let canonicalRaw { data.append(contentsOf: canonicalRaw) } else { request.raw.writeCanonical(into: &data) }
        members.string("receivedAt", Self.timestamp(time), into: &data)
        members.string("step", request.step.rawValue, into: &data)
        members.string("userKey", userKey, into: &data)
        members.end(into: &data)
        self.dataBytes = data
    }

    /// The CloudEvents binary-mode headers, in a fixed order.
    public var headers: [(String, String)] {
        [
            ("ce_specversion", Self.specVersion),
            ("ce_id", id),
            ("ce_source", source),
            ("ce_type", Self.type),
            ("ce_time", Self.timestamp(time)),
            ("ce_subject", userKey),
            ("content-type", "application/json"),
            ("traceparent", traceparent),
        ]
    }

    /// RFC 3339 with milliseconds, in UTC, such as `2026-11-26T09:58:00.123Z`.
    ///
    /// Written by hand from `gmtime_r`: Foundation's `ISO8601FormatStyle` gives the same text at many
    /// times the cost, and every event and worker outcome carries timestamps.
    public static func timestamp(_ date: Date) -> String {
        // Whole microseconds first, so that a time read from milliseconds (a binary fraction a hair
        // below them) is not cut to the millisecond before.
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let milliseconds = microseconds.floorDivided(by: 1000)
        var seconds = time_t(milliseconds.floorDivided(by: 1000))
        let fraction = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text: [UInt8] = []
        text.reserveCapacity(24)
        func append(_ value: Int, digits: Int) {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        append(Int(parts.tm_year) + 1900, digits: 4)
        text.append(UInt8(ascii: "-"))
        append(Int(parts.tm_mon) + 1, digits: 2)
        text.append(UInt8(ascii: "-"))
        append(Int(parts.tm_mday), digits: 2)
        text.append(UInt8(ascii: "T"))
        append(Int(parts.tm_hour), digits: 2)
        text.append(UInt8(ascii: ":"))
        append(Int(parts.tm_min), digits: 2)
        text.append(UInt8(ascii: ":"))
        append(Int(parts.tm_sec), digits: 2)
        text.append(UInt8(ascii: "."))
        append(fraction, digits: 3)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }
}

extension SignupEvent {
    /// Reads an RFC 3339 timestamp such as `ce_time`: the form ``timestamp(_:)`` writes is read
    /// directly, any other by Foundation's ISO 8601 parser. `nil` when it is not a timestamp.
    public static func parseTimestamp(_ text: String) -> Date? {
        if let parsed = text.utf8.withContiguousStorageIfAvailable(parseUTC), let date = parsed { return date }
        return (try? Date(text, strategy: .iso8601))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, exactly; `nil` for anything else.
    private static func parseUTC(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        guard bytes.count >= 20, bytes[bytes.count - 1] == UInt8(ascii: "Z") else { return nil }
        func number(_ start: Int, _ length: Int) -> Int? {
            var value = 0
            for index in start..<start + length {
                let digit = Int(bytes[index]) - Int(UInt8(ascii: "0"))
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count > 21 else { return nil }
            var scale = 0.1
            for index in 20..<bytes.count - 1 {
                let digit = Int(bytes[index]) - Int(UInt8(ascii: "0"))
                guard (0...9).contains(digit) else { return nil }
                fraction += Double(digit) * scale
                scale /= 10
            }
        }
        // Days from the civil date (Howard Hinnant's algorithm).
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}

extension Int64 {
    /// Division rounding towards negative infinity.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
