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

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// RFC 3339 with milliseconds, in UTC.
    public static func timestamp(_ date: Date) -> String {
        timestampStyle.format(date)
    }
}
