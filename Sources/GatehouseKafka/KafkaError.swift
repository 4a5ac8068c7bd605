internal import CRdKafka

/// An error from the Kafka layer: a librdkafka error code, or one of Gatehouse's own.
///
/// Every failure of a send, a consume or an admin call is a `KafkaError`. Check ``isRetriable`` to learn
/// whether trying again can help, ``isFatal`` to learn whether the client instance is unusable, and
/// ``persistence`` to learn whether a failed message may nonetheless be in the topic (so that a retry
/// might duplicate it).
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable {
            case librdkafka(Int32)
            case configuration
            case shutDown
            case cancelled
            case unsupported
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// A librdkafka error code (`rd_kafka_resp_err_t`); negative values are librdkafka's own,
        /// positive ones come from the broker.
        public static func librdkafka(_ rawValue: Int32) -> Code { Code(.librdkafka(rawValue)) }
        /// A configuration key or value was rejected.
        public static let configuration = Code(.configuration)
        /// The client was shut down before the operation could complete.
        public static let shutDown = Code(.shutDown)
        /// The caller's task was cancelled before the operation started.
        public static let cancelled = Code(.cancelled)
        /// The broker or the embedded cluster does not support the operation.
        public static let unsupported = Code(.unsupported)

        /// The librdkafka code, when there is one.
        public var librdkafkaCode: Int32? {
            if case .librdkafka(let raw) = base { return raw }
            return nil
        }

        /// librdkafka's symbolic name (for example `_MSG_TIMED_OUT` or `TOPIC_AUTHORIZATION_FAILED`), or
        /// Gatehouse's name for its own codes.
        public var description: String {
            switch base {
            case .librdkafka(let raw): String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(raw)))
            case .configuration: "CONFIGURATION"
            case .shutDown: "SHUT_DOWN"
            case .cancelled: "CANCELLED"
            case .unsupported: "UNSUPPORTED"
            }
        }
    }

    /// Whether a failed message may have reached the topic anyway.
    public enum Persistence: Sendable, Hashable {
        /// The message never reached a broker: sending it again cannot duplicate it.
        case notPersisted
        /// The message may be in the topic: sending it again may duplicate it.
        case possiblyPersisted
        /// The broker acknowledged the message, yet the client reported an error afterwards.
        case persisted
    }

    /// The stable code.
    public let code: Code
    /// A human-readable explanation, naming the topic, key or setting involved where there is one.
    public let message: String
    /// The client instance that raised this is unusable and must be recreated.
    public let isFatal: Bool
    /// Trying the operation again may succeed.
    public let isRetriable: Bool
    /// For a failed delivery: whether the message may nonetheless be in the topic.
    public let persistence: Persistence
    /// Where the error was raised.
    public let file: String
    /// Where the error was raised.
    public let line: Int

    /// Sending the same message again cannot create a duplicate.
    public var isSafeToRetry: Bool { persistence == .notPersisted }

    /// Creates an error.
    public init(
        code: Code,
        message: String,
        isFatal: Bool = false,
        isRetriable: Bool = false,
        persistence: Persistence = .notPersisted,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.isFatal = isFatal
        self.isRetriable = isRetriable
        self.persistence = persistence
        self.file = file
        self.line = line
    }

    public var description: String {
        var flags: [String] = []
        if isFatal { flags.append("fatal") }
        if isRetriable { flags.append("retriable") }
        if persistence != .notPersisted { flags.append(persistence == .persisted ? "persisted" : "possibly persisted") }
        let suffix = flags.isEmpty ? "" : " [\(flags.joined(separator: ", "))]"
        return "KafkaError.\(code): \(message)\(suffix)"
    }
}

extension KafkaError {
    /// An error for a librdkafka code, with librdkafka's own text.
    static func librdkafka(
        _ raw: Int32,
        context: String? = nil,
        isFatal: Bool = false,
        persistence: Persistence = .notPersisted,
        file: String = #fileID,
        line: Int = #line
    ) -> KafkaError {
        let text = String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(raw)))
        return KafkaError(
            code: .librdkafka(raw),
            message: context.map { "\($0): \(text)" } ?? text,
            isFatal: isFatal,
            isRetriable: RDKafkaErrorCodes.isRetriable(raw),
            persistence: persistence,
            file: file,
            line: line
        )
    }

    static func configuration(_ message: String, file: String = #fileID, line: Int = #line) -> KafkaError {
        KafkaError(code: .configuration, message: message, file: file, line: line)
    }

    static func shutDown(_ message: String, file: String = #fileID, line: Int = #line) -> KafkaError {
        KafkaError(code: .shutDown, message: message, file: file, line: line)
    }
}
