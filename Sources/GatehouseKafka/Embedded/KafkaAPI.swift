/// A Kafka protocol request type (ApiKey), for fault injection on the embedded cluster.
public struct KafkaAPI: Hashable, Sendable, CustomStringConvertible {
    /// The protocol's ApiKey number.
    public let key: Int16
    private let name: String

    private init(_ key: Int16, _ name: String) {
        self.key = key
        self.name = name
    }

    /// Produce (ApiKey 0).
    public static let produce = KafkaAPI(0, "Produce")
    /// Fetch (ApiKey 1).
    public static let fetch = KafkaAPI(1, "Fetch")
    /// ListOffsets (ApiKey 2).
    public static let listOffsets = KafkaAPI(2, "ListOffsets")
    /// Metadata (ApiKey 3).
    public static let metadata = KafkaAPI(3, "Metadata")
    /// OffsetCommit (ApiKey 8).
    public static let offsetCommit = KafkaAPI(8, "OffsetCommit")
    /// OffsetFetch (ApiKey 9).
    public static let offsetFetch = KafkaAPI(9, "OffsetFetch")
    /// FindCoordinator (ApiKey 10).
    public static let findCoordinator = KafkaAPI(10, "FindCoordinator")
    /// JoinGroup (ApiKey 11).
    public static let joinGroup = KafkaAPI(11, "JoinGroup")
    /// Heartbeat (ApiKey 12).
    public static let heartbeat = KafkaAPI(12, "Heartbeat")
    /// LeaveGroup (ApiKey 13).
    public static let leaveGroup = KafkaAPI(13, "LeaveGroup")
    /// SyncGroup (ApiKey 14).
    public static let syncGroup = KafkaAPI(14, "SyncGroup")
    /// InitProducerId (ApiKey 22).
    public static let initProducerID = KafkaAPI(22, "InitProducerId")

    /// The request type's name and ApiKey, as in "Produce(0)".
    public var description: String { "\(name)(\(key))" }
}
