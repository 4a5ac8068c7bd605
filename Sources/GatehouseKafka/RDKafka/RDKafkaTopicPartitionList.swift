internal import CRdKafka

/// An owned `rd_kafka_topic_partition_list_t`, destroyed with the value.
final class RDKafkaTopicPartitionList {
    struct Entry: Sendable {
        var topic: String
        var partition: Int32
        var offset: Int64
        var error: Int32
    }

    private let list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(_ entries: [Entry] = []) {
        list = rd_kafka_topic_partition_list_new(Int32(max(entries.count, 1)))
        for entry in entries { add(entry) }
    }

    func add(_ entry: Entry) {
        let element = rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition)
        element?.pointee.offset = entry.offset
    }

    func withPointer<T>(_ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> T) rethrows -> T {
        try body(list)
    }

    var entries: [Entry] { Self.entries(of: list) }

    static func entries(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [Entry] {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elements = list.pointee.elems else { return [] }
        return (0..<count).map { index in
            let element = elements[index]
            return Entry(
                topic: String(cString: element.topic),
                partition: element.partition,
                offset: element.offset,
                error: element.err.rawValue
            )
        }
    }

    static func entries(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [Entry] {
        entries(of: UnsafePointer(list))
    }

    deinit {
        rd_kafka_topic_partition_list_destroy(list)
    }
}
