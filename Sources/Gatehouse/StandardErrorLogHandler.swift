import Logging

/// swift-log's `StreamLogHandler` on stderr, with metadata formatted only when a message is logged.
///
/// `StreamLogHandler` formats its metadata every time metadata is set, and Hummingbird sets a request
/// id on every request's logger: the gateway spent about 3% of its time formatting request ids that
/// no message at the configured level ever showed. This handler keeps its metadata as it is and hands
/// it to a `StreamLogHandler` with each message, so the output is the same, line for line.
struct StandardErrorLogHandler: LogHandler {
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(label: String, level: Logger.Level) {
        self.init(StreamLogHandler.standardError(label: label), level: level)
    }

    /// Formats through `stream`, which must have no metadata of its own.
    init(_ stream: StreamLogHandler, level: Logger.Level) {
        self.stream = stream
        self.stream.logLevel = level
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        // The message's own metadata wins over the logger's, as in `StreamLogHandler`.
        if !metadata.isEmpty { event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit } }
        stream.log(event: event)
    }
}
