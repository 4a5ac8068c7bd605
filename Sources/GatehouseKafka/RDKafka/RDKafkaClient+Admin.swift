internal import CRdKafka

extension RDKafkaClient {
    /// Creates topics through the admin API and waits for the result. Blocking. Returns each topic's
    /// error code and text (code 0 on success).
    func createTopics(
        _ topics: [KafkaTopicSpecification],
        timeoutMilliseconds: Int32
    ) -> Result<[(name: String, code: Int32, text: String)], KafkaError> {
        withHandle { handle in
            var errstr = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
            for spec in topics {
                guard
                    let topic = rd_kafka_NewTopic_new(
                        spec.name, spec.partitions, Int32(spec.replicationFactor), &errstr, errstr.count)
                else {
                    return .failure(.configuration("topic '\(spec.name)': \(RDKafkaConfig.string(errstr))"))
                }
                newTopics.append(topic)
                for (key, value) in spec.configs.sorted(by: { $0.key < $1.key }) {
                    let result = rd_kafka_NewTopic_set_config(topic, key, value)
                    if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                        return .failure(.librdkafka(result.rawValue, context: "topic '\(spec.name)' config '\(key)'"))
                    }
                }
            }
            guard let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS) else {
                return .failure(.configuration("cannot create admin options"))
            }
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errstr, errstr.count)
            _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errstr, errstr.count)
            guard let queue = rd_kafka_queue_new(handle) else { return .failure(.configuration("cannot create a queue")) }
            defer { rd_kafka_queue_destroy(queue) }
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
            }
            // The request carries its own timeout; wait a little longer for its result event.
            guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 5000) else {
                return .failure(.librdkafka(RDKafkaErrorCodes.timedOut, context: "create topics"))
            }
            defer { rd_kafka_event_destroy(event) }
            let requestError = rd_kafka_event_error(event)
            guard requestError == RD_KAFKA_RESP_ERR_NO_ERROR else {
                let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
                return .failure(.librdkafka(requestError.rawValue, context: "create topics: \(text)"))
            }
            guard let result = rd_kafka_event_CreateTopics_result(event) else {
                return .failure(.librdkafka(RDKafkaErrorCodes.timedOut, context: "create topics: no result"))
            }
            var count = 0
            guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return .success([]) }
            return .success(
                (0..<count).map { index in
                    let topic = results[index]
                    return (
                        name: String(cString: rd_kafka_topic_result_name(topic)),
                        code: rd_kafka_topic_result_error(topic).rawValue,
                        text: rd_kafka_topic_result_error_string(topic).map { String(cString: $0) } ?? ""
                    )
                }
            )
        }
    }
}

extension RDKafkaClient {
    /// The names of every topic in the cluster, from metadata (which does not auto-create), and whether
    /// that metadata names a controller among its brokers. librdkafka's embedded cluster names broker 0,
    /// which is none of its brokers (they count from 1). Blocking.
    func clusterMetadata(timeoutMilliseconds: Int32) -> Result<(topics: Set<String>, hasController: Bool), KafkaError> {
        withHandle { handle in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let result = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMilliseconds)
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                return .failure(.librdkafka(result.rawValue, context: "list topics"))
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            let topics = Set((0..<Int(metadata.pointee.topic_cnt)).map { String(cString: metadata.pointee.topics[$0].topic) })
            // The controller id librdkafka keeps comes from metadata like the one just received.
            let controller = rd_kafka_controllerid(handle, 0)
            let hasController = (0..<Int(metadata.pointee.broker_cnt)).contains { metadata.pointee.brokers[$0].id == controller }
            return .success((topics, hasController))
        }
    }
}
