import Foundation
public import GatehouseSignup
public import GatehouseWorkers

/// One sign-up's timeline, from the audit store: each request the identity provider made, the event
/// it became, and what every worker did with it.
public struct SignupTrace: Sendable {
    /// One request and what followed it.
    public struct Request: Sendable {
        public var eventID: String
        public var time: String
        public var dialect: String
        public var step: String
        public var action: String
        /// The rule that decided, if any.
        public var rule: String?
        public var decidedInMicroseconds: Int64?
        /// Where the event is on Kafka: `topic/partition@offset`.
        public var published: String
        /// Each worker's outcomes, in order.
        public var outcomes: [WorkerOutcome]
    }

    /// The user key the trace is for.
    public var userKey: String
    public var requests: [Request]

    /// Builds the trace of a user key, an email or an event id from the audit store.
    ///
    /// - Throws: ``ReplayError`` when the store has nothing for it.
    public static func build(for subject: String, store: any AuditStore) async throws -> SignupTrace {
        var eventID: String?
        var userKey = subject.lowercased()
        if let record = try await store.records(AuditQuery(eventID: subject, limit: 1)).first {
            eventID = record.eventID
            userKey = record.subject
        }
        let records = try await store.records(AuditQuery(subject: userKey, limit: 100_000))
        guard !records.isEmpty else {
            throw ReplayError("the audit store has no sign-up for '\(subject)' (a user key, an email or an event id)")
        }
        var requests: [Request] = []
        var outcomes: [String: [WorkerOutcome]] = [:]
        for record in records {
            guard let data = try? JSONValue.parse(Array(record.data.utf8)) else { continue }
            if record.type == WorkerOutcome.type {
                if let outcome = WorkerOutcome(json: data) { outcomes[outcome.eventID, default: []].append(outcome) }
                continue
            }
            guard record.type == SignupEvent.type, eventID == nil || eventID == record.eventID else { continue }
            let decision = data["decision"]
            var micros: Int64?
            if case .int(let value)? = data["decidedInMicroseconds"] { micros = value }
            requests.append(
                Request(
                    eventID: record.eventID, time: record.time, dialect: data["dialect"]?.stringValue ?? "?",
                    step: data["step"]?.stringValue ?? "?",
                    action: decision?["action"]?.stringValue ?? "?", rule: decision?["rule"]?.stringValue, decidedInMicroseconds: micros,
                    published: record.origin, outcomes: []))
        }
        for index in requests.indices {
            requests[index].outcomes = (outcomes[requests[index].eventID] ?? []).sorted { $0.time < $1.time }
        }
        return SignupTrace(userKey: userKey, requests: requests.sorted { $0.time < $1.time })
    }

    /// The timeline for people.
    public var text: String {
        var lines = ["Sign-up of \(userKey): \(requests.count) request\(requests.count == 1 ? "" : "s")"]
        for request in requests {
            let rule = request.rule.map { " (rule \($0))" } ?? ""
            let latency = request.decidedInMicroseconds.map { ", decided in \($0) µs" } ?? ""
            lines.append("")
            lines.append("\(request.time)  request  \(request.dialect) \(request.step) → \(request.action)\(rule)\(latency)")
            lines.append(
                "\(String(repeating: " ", count: 24))  event \(request.eventID), published at \(request.published.isEmpty ? "?" : request.published)"
            )
            if request.outcomes.isEmpty { lines.append("\(String(repeating: " ", count: 24))  no worker outcome recorded yet") }
            for outcome in request.outcomes {
                let time = SignupEvent.timestamp(outcome.time)
                var what: String
                switch outcome.status {
                case .done: what = "done"
                case .duplicate: what = "passed over (done before)"
                case .retrying: what = "retrying after attempt \(outcome.attempt)"
                default: what = "dead-lettered after attempt \(outcome.attempt)"
                }
                if let error = outcome.error { what += ": \(error)" }
                if let due = outcome.due { what += " (next attempt at \(SignupEvent.timestamp(due)))" }
                lines.append("\(time)    \(outcome.worker.padding(toLength: 14, withPad: " ", startingAt: 0)) \(what)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The timeline for programs.
    public var json: JSONValue {
        .object([
            "userKey": .string(userKey),
            "requests": .array(
                requests.map { request in
                    .object([
                        "eventId": .string(request.eventID), "time": .string(request.time), "dialect": .string(request.dialect),
                        "step": .string(request.step), "action": .string(request.action),
                        "rule": request.rule.map(JSONValue.string) ?? .null,
                        "decidedInMicroseconds": request.decidedInMicroseconds.map(JSONValue.int) ?? .null,
                        "published": .string(request.published),
                        "outcomes": .array(request.outcomes.map(\.json)),
                    ])
                }),
        ])
    }
}
