import Crypto

/// The audit chain, one implementation for every store: how new entries are linked after the head,
/// and how a stored chain is checked.
enum AuditChain {
    static func sha256Hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The records that `entries` become after a chain whose last record is `head` (`nil`: an empty
    /// chain), passing over every entry whose event id is in `stored` or earlier in `entries`.
    static func link(
        _ entries: [AuditRecord.Entry],
        after head: (sequence: Int64, hash: String)?,
        stored: Set<String>,
        recordedAt: String
    ) -> [AuditRecord] {
        var sequence = head?.sequence ?? 0
        var previousHash = head?.hash ?? AuditRecord.genesis
        var seen = stored
        var records: [AuditRecord] = []
        records.reserveCapacity(entries.count)
        for entry in entries where seen.insert(entry.eventID).inserted {
            sequence += 1
            let hash = AuditRecord.hash(previousHash: previousHash, sequence: sequence, entry)
            records.append(
                AuditRecord(
                    sequence: sequence, eventID: entry.eventID, type: entry.type, source: entry.source, subject: entry.subject,
                    time: entry.time, data: entry.data, recordedAt: recordedAt, origin: entry.origin, previousHash: previousHash,
                    hash: hash))
            previousHash = hash
        }
        return records
    }

    /// Checks records in sequence order against their hashes and each other, collecting a problem for
    /// every record out of place. `head` is the store's note of its last record, which catches a
    /// deleted tail.
    static func verify(_ records: some Sequence<AuditRecord>, head: (sequence: Int64, hash: String)?) -> AuditVerification {
        var verifier = Verifier()
        for record in records { verifier.check(record) }
        return verifier.finish(head: head)
    }

    /// Checks a chain one record at a time, so that a store can stream it rather than load it whole.
    struct Verifier {
        private var problems: [String] = []
        private var previous: AuditRecord?
        private var count: Int64 = 0

        /// Checks the next record in sequence order.
        mutating func check(_ record: AuditRecord) {
            count += 1
            let name = "record \(record.sequence) (event \(record.eventID))"
            let expectedSequence = (previous?.sequence ?? 0) + 1
            if record.sequence != expectedSequence {
                let missing =
                    expectedSequence == record.sequence - 1
                    ? "record \(expectedSequence) is" : "records \(expectedSequence)–\(record.sequence - 1) are"
                problems.append("\(missing) missing (deleted) before \(name)")
            } else if record.previousHash != (previous?.hash ?? AuditRecord.genesis) {
                problems.append("\(name) does not follow the record before it (moved, or the one before was replaced)")
            }
            if AuditRecord.hash(previousHash: record.previousHash, sequence: record.sequence, record.entry) != record.hash {
                problems.append("\(name) was changed: its content does not match its hash")
            }
            previous = record
        }

        /// What was found, once every record was checked; `head` is the store's note of its last record.
        func finish(head: (sequence: Int64, hash: String)?) -> AuditVerification {
            var problems = self.problems
            if let head {
                if (previous?.sequence ?? 0) < head.sequence {
                    problems.append(
                        "records \((previous?.sequence ?? 0) + 1)–\(head.sequence) are missing (deleted) at the end of the chain")
                } else if let previous, previous.sequence == head.sequence, previous.hash != head.hash {
                    problems.append("record \(previous.sequence) (event \(previous.eventID)) is not the record last appended")
                }
            }
            return AuditVerification(records: count, problems: problems)
        }
    }
}
