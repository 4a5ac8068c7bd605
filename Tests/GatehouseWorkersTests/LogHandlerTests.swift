import GatehouseTestSupport
import Logging
import Testing

@testable import Gatehouse

/// The command line's log handler writes what swift-log's `StreamLogHandler` writes.
@Suite struct LogHandlerTests {
    @Test func loggerAndMessageMetadataAreWrittenSortedWithTheMessagesWinning() {
        let lines = CapturedLog()
        var logger = Logger(label: "test") { label in
            StandardErrorLogHandler(StreamLogHandler(label: label, stream: lines, metadataProvider: nil), level: .info)
        }
        logger[metadataKey: "worker"] = "audit"
        logger[metadataKey: "b"] = "from-logger"
        #expect(logger[metadataKey: "worker"] == "audit")
        logger.debug("not shown")
        logger.info("shown", metadata: ["b": "from-message", "a": "1"])
        logger[metadataKey: "b"] = nil
        logger.warning("again")
        let written = lines.text.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 1)[1] }
        #expect(
            written == [
                "info test: a=1 b=from-message worker=audit [GatehouseWorkersTests] shown",
                "warning test: worker=audit [GatehouseWorkersTests] again",
            ])
    }
}
