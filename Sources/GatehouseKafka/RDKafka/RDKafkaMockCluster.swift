internal import CRdKafka
import Synchronization

/// librdkafka's embedded mock cluster (`rdkafka_mock.h`) and the throw-away instance that owns it.
///
/// `@unchecked Sendable` is safe: the mock cluster's functions lock internally (librdkafka's own tests
/// call them from any thread), and both pointers are immutable until `destroy()`, which runs once.
final class RDKafkaMockCluster: @unchecked Sendable {
    private let owner: OpaquePointer
    private let cluster: OpaquePointer
    let bootstrapServers: String
    let brokerCount: Int32

    init(brokers: Int32) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else { throw .configuration("cannot allocate a configuration") }
        // The owning instance talks to no broker; silence its "no bootstrap.servers" chatter.
        rd_kafka_conf_set_log_cb(conf, nil)
        var errstr = [CChar](repeating: 0, count: 512)
        // The brokers take their socket options from their owner. With Nagle's algorithm on, a produce
        // response written while the previous one is unacknowledged waits for the client's delayed
        // acknowledgement: sends with others in flight took up to 16 ms instead of 2.
        _ = rd_kafka_conf_set(conf, "socket.nagle.disable", "true", &errstr, errstr.count)
        guard let owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw .configuration("cannot create the embedded cluster's owner: \(RDKafkaConfig.string(errstr))")
        }
        guard let cluster = rd_kafka_mock_cluster_new(owner, brokers) else {
            rd_kafka_destroy(owner)
            throw .configuration("librdkafka could not start an embedded cluster of \(brokers) brokers")
        }
        self.owner = owner
        self.cluster = cluster
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32) -> Int32 {
        rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor).rawValue
    }

    func setDown(broker: Int32) -> Int32 { rd_kafka_mock_broker_set_down(cluster, broker).rawValue }

    func setUp(broker: Int32) -> Int32 { rd_kafka_mock_broker_set_up(cluster, broker).rawValue }

    func setRoundTripTime(broker: Int32, milliseconds: Int32) -> Int32 {
        rd_kafka_mock_broker_set_rtt(cluster, broker, milliseconds).rawValue
    }

    func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        let codes = errors.map { rd_kafka_resp_err_t($0) }
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, buffer.count, buffer.baseAddress)
        }
    }

    func pushBrokerRequestError(broker: Int32, apiKey: Int16, error: Int32, roundTripMilliseconds: Int32) -> Int32 {
        CRdKafka_mock_broker_push_request_error_rtt(cluster, broker, apiKey, rd_kafka_resp_err_t(error), roundTripMilliseconds).rawValue
    }

    func clearRequestErrors(apiKey: Int16) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey)
    }

    func setPartitionLeader(topic: String, partition: Int32, broker: Int32) -> Int32 {
        rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker).rawValue
    }

    func setGroupCoordinator(group: String, broker: Int32) -> Int32 {
        rd_kafka_mock_coordinator_set(cluster, "group", group, broker).rawValue
    }

    private let destroyed = Atomic<Bool>(false)

    /// Stops the brokers. Blocking.
    func destroy() {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(owner)
    }

    deinit { destroy() }
}
