public import Foundation
public import GatehouseSignup

/// What became of one event in one worker, published to the outcomes topic for `gatehouse trace`.
public struct WorkerOutcome: Sendable, Hashable {
    /// The result.
    public struct Status: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The handler succeeded.
        public static let done = Status("done")
        /// The handler failed; the event waits on a retry topic.
        public static let retrying = Status("retrying")
        /// The event is in the worker's dead letters.
        public static let deadLettered = Status("deadLettered")
        /// The event had been completed before (a redelivery or a replay) and was passed over.
        public static let duplicate = Status("duplicate")

        public init?(rawValue: String) {
            guard let known = [Self.done, .retrying, .deadLettered, .duplicate].first(where: { $0.rawValue == rawValue }) else {
                return nil
            }
            self = known
        }

        public var description: String { rawValue }
    }

    /// The CloudEvents type of outcome records.
    public static let type = "dev.gatehouse.worker-outcome.v1"

    public var worker: String
    public var eventID: String
    public var userKey: String
    public var status: Status
    /// The attempt this outcome is of (1 for the first).
    public var attempt: Int
    /// The error, for retrying and dead-lettered outcomes.
    public var error: String?
    /// When a retry is due.
    public var due: Date?
    public var time: Date

    /// The record's JSON value.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "worker": .string(worker), "eventId": .string(eventID), "userKey": .string(userKey), "status": .string(status.rawValue),
            "attempt": .int(Int64(attempt)), "time": .string(SignupEvent.timestamp(time)),
        ]
        object["error"] = error.map(JSONValue.string) ?? .null
        object["due"] = due.map { .string(SignupEvent.timestamp($0)) } ?? .null
        return .object(object)
    }

    /// Reads an outcome record's JSON value.
    public init?(json: JSONValue) {
        guard let worker = json["worker"]?.stringValue, let eventID = json["eventId"]?.stringValue,
            let status = json["status"]?.stringValue.flatMap(Status.init(rawValue:)),
            let time = json["time"]?.stringValue.flatMap(SignupEvent.parseTimestamp)
        else { return nil }
        self.worker = worker
        self.eventID = eventID
        self.userKey = json["userKey"]?.stringValue ?? ""
        self.status = status
        if case .int(let attempt)? = json["attempt"] { self.attempt = Int(attempt) } else { self.attempt = 1 }
        self.error = json["error"]?.stringValue
        self.due = json["due"]?.stringValue.flatMap(SignupEvent.parseTimestamp)
        self.time = time
    }

    public init(
        worker: String, eventID: String, userKey: String, status: Status, attempt: Int, error: String? = nil, due: Date? = nil,
        time: Date = Date()
    ) {
        self.worker = worker
        self.eventID = eventID
        self.userKey = userKey
        self.status = status
        self.attempt = attempt
        self.error = error
        self.due = due
        self.time = time
    }
}
