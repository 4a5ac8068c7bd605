/// A Kafka protocol request type (ApiKey), for fault injection on the embedded cluster.
public struct KafkaAPI: Hashable, Sendable, CustomStringConvertible {
    /// The protocol's ApiKey number.
    public let key: Int16
    private let name: String

    private init(_ key: Int16, _ name: String) {
        self.key = key
        self.name = name
    }

    public static let produce = KafkaAPI(0, "Produce")
    public static let fetch = KafkaAPI(1, "Fetch")
    public static let listOffsets = KafkaAPI(2, "ListOffsets")
    public static let metadata = KafkaAPI(3, "Metadata")
    public static let offsetCommit = KafkaAPI(8, "OffsetCommit")
    public static let offsetFetch = KafkaAPI(9, "OffsetFetch")
    public static let findCoordinator = KafkaAPI(10, "FindCoordinator")
    public static let joinGroup = KafkaAPI(11, "JoinGroup")
    public static let heartbeat = KafkaAPI(12, "Heartbeat")
    public static let leaveGroup = KafkaAPI(13, "LeaveGroup")
    public static let syncGroup = KafkaAPI(14, "SyncGroup")
    public static let initProducerID = KafkaAPI(22, "InitProducerId")

    public var description: String { "\(name)(\(key))" }
}
