public import Foundation

/// Where a manually assigned partition starts reading.
public struct KafkaStartPosition: Sendable, Hashable, CustomStringConvertible {
    enum Base: Hashable {
        case beginning
        case end
        case offset(Int64)
        case timestamp(Date)
    }

    let base: Base

    /// The oldest message still in the partition.
    public static let beginning = KafkaStartPosition(base: .beginning)
    /// Only messages published from now on.
    public static let end = KafkaStartPosition(base: .end)

    /// An explicit offset: the first message read is the one at `offset`.
    public static func offset(_ offset: Int64) -> KafkaStartPosition {
        KafkaStartPosition(base: .offset(offset))
    }

    /// The first message whose timestamp is at or after `date`.
    ///
    /// Resolved with the broker's timestamp lookup (`offsets_for_times`). Where the broker finds no
    /// offset, as librdkafka 2.0.2's embedded broker never does, the consumer falls back to reading the
    /// partition from the beginning and skipping messages until the first one stamped at or after
    /// `date`: the same message the lookup would have found, at the cost of a scan.
    public static func timestamp(_ date: Date) -> KafkaStartPosition {
        KafkaStartPosition(base: .timestamp(date))
    }

    public var description: String {
        switch base {
        case .beginning: "beginning"
        case .end: "end"
        case .offset(let offset): "offset \(offset)"
        case .timestamp(let date): "time \(date.formatted(.iso8601))"
        }
    }
}
