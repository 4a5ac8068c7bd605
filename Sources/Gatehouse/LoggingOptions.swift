import ArgumentParser
import Logging

/// The logging flags every subcommand takes. Logs go to stderr, so stdout stays for results.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// Sets up swift-log once for the process and returns the root logger.
    func bootstrap(label: String) -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { StandardErrorLogHandler(label: $0, level: level) }
        let logger = Logger(label: label)
        logger.debug("Memory allocator", metadata: ["allocator": "\(MemoryAllocator.name)"])
        return logger
    }
}
