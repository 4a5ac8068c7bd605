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
    public var id: String
    /// `ce_source`: which Gatehouse answered, as `/gatehouse/<instance>`.
    public var source: String
    /// `ce_time`: when the call was received.
    public var time: Date
    /// `ce_subject` and the record key: the user key.
    public var userKey: String
    /// W3C trace context of the call.
    public var traceparent: String
    /// The event data.
    public var data: JSONValue

    /// Makes the event for a call and its answer.
    public init(
        id: String,
        source: String,
        time: Date,
        request: SignupRequest,
        decision: SignupDecision,
        userKey: String,
        durability: String,
        traceparent: String,
        latency: Duration? = nil
    ) {
        self.id = id
        self.source = source
        self.time = time
        self.userKey = userKey
        self.traceparent = traceparent
        var data: [String: JSONValue] = [
            "dialect": .string(request.dialect.rawValue),
            "step": .string(request.step.rawValue),
            "userKey": .string(userKey),
            "claims": request.claims.json,
            "raw": request.raw,
            "decision": decision.json,
            "receivedAt": .string(Self.timestamp(time)),
            "durability": .string(durability),
        ]
        data["clientId"] = request.clientID.map(JSONValue.string) ?? .null
        data["correlationId"] = request.correlationID.map(JSONValue.string) ?? .null
        if let latency {
            data["decidedInMicroseconds"] = .int(
                latency.components.seconds * 1_000_000 + latency.components.attoseconds / 1_000_000_000_000)
        }
        self.data = .object(data)
    }

    /// The data as JSON bytes, the record value.
    public var dataBytes: [UInt8] { data.canonicalBytes() }

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
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
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

extension Int64 {
    /// Division rounding towards negative infinity.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
