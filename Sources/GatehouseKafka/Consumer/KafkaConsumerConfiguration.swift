import Foundation

/// How a ``KafkaConsumer`` connects, and what it reads.
public struct KafkaConsumerConfiguration: Sendable {
    /// What the consumer reads: a consumer group's share of some topics, or partitions chosen by hand.
    public struct Subscription: Sendable {
        enum Base {
            case group(id: String, topics: [String])
            case partitions([KafkaTopicPartition: KafkaStartPosition], groupID: String?)
            case topics([String], start: KafkaStartPosition, groupID: String?)
        }

        let base: Base

        /// Join consumer group `id` and share `topics`' partitions with its other members. A member
        /// starts from the group's committed offsets (or ``KafkaConsumerConfiguration/OffsetReset``).
        public static func group(_ id: String, topics: [String]) -> Subscription {
            Subscription(base: .group(id: id, topics: topics))
        }

        /// Read exactly these partitions from the given positions, outside any group's assignment.
        /// With a `groupID`, ``KafkaConsumer/markDone(_:)`` commits offsets under that group.
        public static func partitions(
            _ positions: [KafkaTopicPartition: KafkaStartPosition],
            groupID: String? = nil
        ) -> Subscription {
            Subscription(base: .partitions(positions, groupID: groupID))
        }

        /// Read every partition of `topics` from `start`, outside any group's assignment. The partitions
        /// are looked up when the consumer starts.
        public static func topics(_ topics: [String], from start: KafkaStartPosition, groupID: String? = nil)
            -> Subscription
        {
            Subscription(base: .topics(topics, start: start, groupID: groupID))
        }

        /// Whether the consumer joins its group (subscribes) rather than assigning partitions itself.
        var joinsGroup: Bool {
            if case .group = base { return true }
            return false
        }

        var groupID: String? {
            switch base {
            case .group(let id, _): id
            case .partitions(_, let groupID), .topics(_, _, let groupID): groupID
            }
        }
    }

    /// Where a group member starts on a partition that has no committed offset.
    public struct OffsetReset: Sendable, Hashable {
        fileprivate let value: String
        /// From the oldest message.
        public static let earliest = OffsetReset(value: "earliest")
        /// From the next message published.
        public static let latest = OffsetReset(value: "latest")
    }

    /// `host:port` pairs to bootstrap from.
    public var bootstrapServers: [String]
    /// What to read.
    public var subscription: Subscription
    /// The client id brokers see.
    public var clientID: String = "gatehouse"
    /// Where to start without a committed offset.
    public var offsetReset: OffsetReset = .earliest
    /// How often stored offsets are committed (`auto.commit.interval.ms`). Revocation and close commit
    /// at once regardless.
    public var commitInterval: Duration = .seconds(1)
    /// How long a commit waits for the broker: on revocation, on close, and in
    /// ``KafkaConsumer/commit()``. With the brokers unreachable a commit would otherwise wait for them
    /// forever, and a consumer could not be closed. A commit that times out may still land later; if
    /// it does not, the messages after the last commit are delivered again (at least once).
    public var commitTimeout: Duration = .seconds(10)
    /// How long the group waits for a silent member before rebalancing (`session.timeout.ms`).
    public var sessionTimeout: Duration = .seconds(45)
    /// How many messages may wait, read but not yet taken by the application. When full, the consumer
    /// stops polling until the application catches up.
    public var bufferCapacity: Int = 1000
    /// How often librdkafka publishes statistics, which become metrics; `nil` turns them off.
    public var statisticsInterval: Duration? = .seconds(10)
    /// How long start-up lookups (partitions, timestamp offsets) may take.
    public var lookupTimeout: Duration = .seconds(10)
    /// Further librdkafka properties, applied last.
    public var properties: [String: String] = [:]

    /// Creates a configuration.
    public init(bootstrapServers: [String], subscription: Subscription) {
        self.bootstrapServers = bootstrapServers
        self.subscription = subscription
    }

    /// The librdkafka property map: the one place where these settings become strings.
    var librdkafkaProperties: [String: String] {
        var map: [String: String] = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
            "auto.offset.reset": offsetReset.value,
            // At least once: an offset is stored only after the application marks its message done.
            "enable.auto.offset.store": "false",
            "auto.commit.interval.ms": String(commitInterval.milliseconds),
            "session.timeout.ms": String(sessionTimeout.milliseconds),
            "enable.partition.eof": "false",
            // Incremental rebalancing: members keep the partitions that do not move, so a join or a leave
            // does not stop the whole group, and offsets are never committed in the middle of a rebalance
            // for partitions that stay put.
            "partition.assignment.strategy": "cooperative-sticky",
            "socket.nagle.disable": "true",
        ]
        if let groupID = subscription.groupID {
            map["group.id"] = groupID
            map["enable.auto.commit"] = "true"
        } else {
            // librdkafka's consumer API needs a group even for hand-assigned partitions. This one never
            // subscribes and never commits, so it leaves nothing behind on the brokers.
            map["group.id"] = "gatehouse-reader-\(UUID().uuidString.lowercased())"
            map["enable.auto.commit"] = "false"
        }
        if let statisticsInterval {
            map["statistics.interval.ms"] = String(statisticsInterval.milliseconds)
        }
        map.merge(properties) { _, override in override }
        return map
    }
}
