public import Foundation
public import GatehouseSignup

/// One record of the audit store: an event, and its place in the hash chain.
public struct AuditRecord: Sendable, Hashable {
    /// 1, 2, 3, … in the order recorded.
    public var sequence: Int64
    public var eventID: String
    public var type: String
    public var source: String
    /// The user key (`ce_subject`).
    public var subject: String
    /// The event's own time (`ce_time`), RFC 3339.
    public var time: String
    /// The event data, canonical JSON.
    public var data: String
    /// When the audit worker stored it, RFC 3339.
    public var recordedAt: String
    /// Where the event was read: `topic/partition@offset` (not covered by the hash).
    public var origin: String
    /// The hash of the record before (64 zeros for the first).
    public var previousHash: String
    /// SHA-256 of the previous hash and this record's canonical content, hex.
    public var hash: String

    /// The first record's previous hash.
    public static let genesis = String(repeating: "0", count: 64)

    /// What an event contributes to a record, before the chain places it.
    public struct Entry: Sendable, Hashable {
        public var eventID: String
        public var type: String
        public var source: String
        public var subject: String
        public var time: String
        public var data: String
        /// Where the event was read: `topic/partition@offset` (not covered by the hash).
        public var origin: String

        public init(eventID: String, type: String, source: String, subject: String, time: String, data: String, origin: String = "") {
            self.eventID = eventID
            self.type = type
            self.source = source
            self.subject = subject
            self.time = time
            self.data = data
            self.origin = origin
        }
    }

    /// The content the hash covers, as canonical JSON: everything but the hashes and `recordedAt`.
    ///
    /// Written member by member in sorted order: the same bytes as the `JSONValue` object of these
    /// members would give (a test holds them equal), without building and sorting a dictionary for
    /// every record appended or verified.
    public static func canonicalContent(sequence: Int64, _ entry: Entry) -> [UInt8] {
        let members: [(String, JSONValue)] = [
            ("data", .string(entry.data)), ("eventId", .string(entry.eventID)), ("sequence", .int(sequence)),
            ("source", .string(entry.source)), ("subject", .string(entry.subject)), ("time", .string(entry.time)),
            ("type", .string(entry.type)),
        ]
        var output: [UInt8] = []
        output.reserveCapacity(entry.data.utf8.count * 5 / 4 + 256)
        for (index, (key, value)) in members.enumerated() {
            output.append(index == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
            JSONValue.writeString(key, into: &output)
            output.append(UInt8(ascii: ":"))
            value.writeCanonical(into: &output)
        }
        output.append(UInt8(ascii: "}"))
        return output
    }

    /// The hash of a record with this content after a record with `previousHash`.
    public static func hash(previousHash: String, sequence: Int64, _ entry: Entry) -> String {
        AuditChain.sha256Hex(Array(previousHash.utf8) + [0x0A] + canonicalContent(sequence: sequence, entry))
    }

    /// The record's content.
    public var entry: Entry {
        Entry(eventID: eventID, type: type, source: source, subject: subject, time: time, data: data, origin: origin)
    }

    /// The record as a JSON object, for `gatehouse audit query`.
    public var json: JSONValue {
        .object([
            "sequence": .int(sequence), "eventId": .string(eventID), "type": .string(type), "source": .string(source),
            "subject": .string(subject), "time": .string(time), "data": (try? JSONValue.parse(Array(data.utf8))) ?? .string(data),
            "recordedAt": .string(recordedAt), "origin": .string(origin), "previousHash": .string(previousHash), "hash": .string(hash),
        ])
    }
}

/// Which records `gatehouse audit query` prints.
public struct AuditQuery: Sendable, Hashable {
    /// The user key or email (compared lowercased).
    public var subject: String?
    /// One event id.
    public var eventID: String?
    public var type: String?
    /// Event times from (inclusive) and until (exclusive).
    public var since: Date?
    public var until: Date?
    /// At most this many, oldest first.
    public var limit: Int = 1000

    public init(
        subject: String? = nil, eventID: String? = nil, type: String? = nil, since: Date? = nil, until: Date? = nil, limit: Int = 1000
    ) {
        self.subject = subject
        self.eventID = eventID
        self.type = type
        self.since = since
        self.until = until
        self.limit = limit
    }
}

/// What `gatehouse audit verify` found.
public struct AuditVerification: Sendable, Hashable {
    /// How many records were checked.
    public var records: Int64
    /// Each problem, naming the record: a changed, missing or out-of-place record.
    public var problems: [String]

    public var isIntact: Bool { problems.isEmpty }
}

/// A store of audit records: SQLite by default; PostgreSQL at scale.
public protocol AuditStore: Sendable {
    /// Appends the entries whose event ids are not stored yet, in order, extending the hash chain.
    /// Returns how many were new.
    @discardableResult
    func append(_ entries: [AuditRecord.Entry]) async throws -> Int
    /// Records matching the query, in sequence order.
    func records(_ query: AuditQuery) async throws -> [AuditRecord]
    /// Walks the whole chain and names every record that was changed, deleted or moved.
    func verify() async throws -> AuditVerification
}
