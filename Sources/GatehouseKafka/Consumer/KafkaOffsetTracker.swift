import DequeModule
import Synchronization

/// The contiguous "done" watermark of each assigned partition.
///
/// Messages may be handled concurrently and finish out of order, but the offset committed for a
/// partition must never pass a message that is not done: storing offset N+1 says every offset up to N
/// is finished. The tracker keeps each partition's delivered offsets in order and advances the
/// committable offset only across a done prefix.
struct KafkaOffsetTracker {
    private struct Progress {
        var epoch: UInt64
        /// Delivered offsets in delivery order (increasing), with whether each is done.
        var pending: Deque<(offset: Int64, done: Bool)> = []
    }

    private var partitions: [KafkaTopicPartition: Progress] = [:]
    private var nextEpoch: UInt64 = 1

    /// Starts (or restarts) tracking for newly assigned partitions.
    mutating func assign(_ assigned: [KafkaTopicPartition]) {
        for partition in assigned {
            partitions[partition] = Progress(epoch: nextEpoch)
            nextEpoch += 1
        }
    }

    /// Stops tracking revoked partitions; marks of their messages are ignored from now on.
    mutating func revoke(_ revoked: [KafkaTopicPartition]) {
        for partition in revoked { partitions[partition] = nil }
    }

    /// Records a delivery; returns the assignment epoch to stamp on the message, or nil if the partition
    /// is not assigned (for example a message fetched just before its partition was revoked).
    mutating func delivered(_ partition: KafkaTopicPartition, offset: Int64) -> UInt64? {
        guard partitions[partition] != nil else { return nil }
        partitions[partition]!.pending.append((offset, false))
        return partitions[partition]!.epoch
    }

    /// Whether a message's partition is still assigned under the assignment that delivered it.
    func isCurrent(_ partition: KafkaTopicPartition, epoch: UInt64) -> Bool {
        partitions[partition]?.epoch == epoch
    }

    /// Marks a message done; returns the offset to store (the next one to read) when the done prefix grew.
    mutating func markDone(_ partition: KafkaTopicPartition, offset: Int64, epoch: UInt64) -> Int64? {
        guard var progress = partitions[partition], progress.epoch == epoch else { return nil }
        defer { partitions[partition] = progress }
        guard let index = Self.index(of: offset, in: progress.pending) else { return nil }
        progress.pending[index].done = true
        var committable: Int64?
        while let first = progress.pending.first, first.done {
            committable = first.offset + 1
            progress.pending.removeFirst()
        }
        return committable
    }

    /// The partitions currently tracked, which is the consumer's assignment.
    var assigned: [KafkaTopicPartition] { Array(partitions.keys) }

    /// Messages delivered but not yet done, over all partitions.
    var inFlightCount: Int {
        partitions.values.reduce(0) { $0 + $1.pending.count { !$0.done } }
    }

    private static func index(of offset: Int64, in pending: Deque<(offset: Int64, done: Bool)>) -> Int? {
        var low = 0
        var high = pending.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let candidate = pending[middle].offset
            if candidate == offset { return middle }
            if candidate < offset { low = middle + 1 } else { high = middle - 1 }
        }
        return nil
    }
}

extension KafkaOffsetTracker {
    /// The tracker behind a lock, shared by the poll thread, `markDone` callers and the iterator.
    final class Shared: Sendable {
        private let state = Mutex(KafkaOffsetTracker())

        func withLock<T>(_ body: (inout KafkaOffsetTracker) throws -> T) rethrows -> T {
            try state.withLock { try body(&$0) }
        }
    }
}
