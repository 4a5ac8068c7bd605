import Crypto

/// The hash function of the audit chain.
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

    /// Checks records in sequence order against their hashes and each other, collecting a problem for
    /// every record out of place. `head` is the store's note of its last record, which catches a
    /// deleted tail.
    static func verify(_ records: some Sequence<AuditRecord>, head: (sequence: Int64, hash: String)?) -> AuditVerification {
        var problems: [String] = []
        var previous: AuditRecord?
        var count: Int64 = 0
        for record in records {
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
        if let head {
            if (previous?.sequence ?? 0) < head.sequence {
                problems.append("records \((previous?.sequence ?? 0) + 1)–\(head.sequence) are missing (deleted) at the end of the chain")
            } else if let previous, previous.sequence == head.sequence, previous.hash != head.hash {
                problems.append("record \(previous.sequence) (event \(previous.eventID)) is not the record last appended")
            }
        }
        return AuditVerification(records: count, problems: problems)
    }
}
