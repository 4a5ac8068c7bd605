internal import CRdKafka

/// Builds an `rd_kafka_conf_t` from the one string map that each configuration struct translates to.
enum RDKafkaConfig {
    /// Creates a librdkafka configuration object, naming the first key librdkafka rejects.
    ///
    /// The caller owns the result until `rd_kafka_new` succeeds.
    static func make(_ properties: [String: String], events: Int32) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw .configuration("librdkafka could not allocate a configuration")
        }
        var errstr = [CChar](repeating: 0, count: 512)
        // Sorted, so that the key named in an error does not depend on dictionary order.
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let reason = String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw .configuration("librdkafka property '\(key)': \(reason)")
            }
        }
        rd_kafka_conf_set_events(conf, events)
        return conf
    }

    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
