public import Logging
import Synchronization

/// Log output kept in memory, for tests that read what was written or wait for a line.
public final class CapturedLog: TextOutputStream, Sendable {
    private let captured = Mutex("")

    public init() {}

    /// Everything written so far.
    public var text: String { captured.withLock { $0 } }

    /// Whether some output contains `fragment`.
    public func contains(_ fragment: String) -> Bool { captured.withLock { $0.contains(fragment) } }

    public func write(_ string: String) { captured.withLock { $0 += string } }

    /// A logger writing here, as swift-log's `StreamLogHandler` formats it, from `level` on.
    public func logger(_ label: String, level: Logger.Level) -> Logger {
        Logger(label: label) { label in
            var handler = StreamLogHandler(label: label, stream: self, metadataProvider: nil)
            handler.logLevel = level
            return handler
        }
    }
}
