import Logging

/// Forwards librdkafka's log lines to swift-log.
enum RDKafkaLogging {
    /// Maps librdkafka's syslog levels (0 emergency … 7 debug) to swift-log levels.
    static func level(forSyslog level: Int32) -> Logger.Level {
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }

    static func forward(_ event: RDKafkaEvent, client: String, to logger: Logger) {
        guard let line = event.logLine else { return }
        logger.log(
            level: level(forSyslog: line.level),
            "\(line.text)",
            metadata: [KafkaLoggingKeys.client: "\(client)", KafkaLoggingKeys.facility: "\(line.facility)"]
        )
    }
}
