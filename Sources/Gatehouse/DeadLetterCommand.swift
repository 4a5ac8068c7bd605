import ArgumentParser
import Foundation
import GatehouseSettings
import GatehouseSignup
import GatehouseWorkers
import Logging

/// Where the Kafka cluster is: a configuration file, or bootstrap servers (for `gatehouse dev`).
struct ClusterOptions: ParsableArguments {
    @Option(help: "The configuration file (its kafka and workers sections).")
    var config: String?

    @Option(help: "Kafka bootstrap servers, such as the address `gatehouse dev` prints (instead of --config).")
    var bootstrap: String?

    @Option(help: "The workers' topic prefix, with --bootstrap (workers.topic_prefix).")
    var topicPrefix: String = "gatehouse"

    func validate() throws {
        guard (config == nil) != (bootstrap == nil) else {
            throw ValidationError("give exactly one of --config FILE or --bootstrap HOST:PORT")
        }
    }

    /// The whole configuration, with --config.
    func settings() async throws -> GatehouseSettings? {
        guard let config else { return nil }
        do {
            return try await GatehouseSettings.load(path: config)
        } catch {
            throw ValidationError("\(config): \(error)")
        }
    }

    /// The workers' configuration.
    func workers() async throws -> WorkerConfiguration {
        if let bootstrap {
            var workers = WorkerConfiguration(bootstrapServers: bootstrap.split(separator: ",").map(String.init))
            workers.topicPrefix = topicPrefix
            return workers
        }
        do {
            return try await GatehouseSettings.load(path: config ?? "").workers
        } catch {
            throw ValidationError("\(config ?? ""): \(error)")
        }
    }
}

extension Logger {
    /// A logger for command-line tools, whose output is the result: warnings and worse only.
    static func tool(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return logger
    }
}

/// `gatehouse dlq list|show|redrive`: a worker's dead letters.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect a worker's dead letters and send them back to that worker.",
        subcommands: [List.self, Show.self, Redrive.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the dead letters of a worker, oldest first per partition.")

        @Option(help: "The worker.") var worker: String
        @OptionGroup var cluster: ClusterOptions
        @Flag(help: "Print JSON Lines for programs.") var json = false

        func run() async throws {
            let letters = try await DeadLetters(configuration: cluster.workers(), worker: worker).list(logger: Logger.tool("gatehouse.dlq"))
            if json {
                for letter in letters { print(String(decoding: letter.json.canonicalBytes(), as: UTF8.self)) }
                return
            }
            guard !letters.isEmpty else {
                print("No dead letters for \(worker).")
                return
            }
            print("EVENT                                 ATTEMPTS  LAST FAILURE              ERROR")
            for letter in letters {
                let id = letter.eventID.padding(toLength: 37, withPad: " ", startingAt: 0)
                let attempts = "\(letter.attempts)\(letter.isPermanent ? " (perm)" : "")".padding(toLength: 9, withPad: " ", startingAt: 0)
                let last = letter.lastFailure.padding(toLength: 25, withPad: " ", startingAt: 0)
                print("\(id) \(attempts) \(last) \(letter.error.prefix(120))")
            }
            print("\(letters.count) dead letters. Show one with: gatehouse dlq show --worker \(worker) --event ID")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter in full: headers, history and data.")

        @Option(help: "The worker.") var worker: String
        @Option(help: "The event id.") var event: String
        @OptionGroup var cluster: ClusterOptions

        func run() async throws {
            let letters = try await DeadLetters(configuration: cluster.workers(), worker: worker).list(logger: Logger.tool("gatehouse.dlq"))
            let matching = letters.filter { $0.eventID == event }
            guard !matching.isEmpty else { throw ValidationError("no dead letter of \(worker) has event id \(event)") }
            for letter in matching { print(String(decoding: letter.json.canonicalBytes(), as: UTF8.self)) }
        }
    }

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send dead letters back to their worker (only that worker), for example after fixing a webhook.",
            discussion: """
                The events go to the worker's first retry topic, due at once, with their attempts reset. Events the worker has
                completed meanwhile are passed over by its idempotency records, so redriving twice does no harm.
                """
        )

        @Option(help: "The worker.") var worker: String
        @Option(help: "Redrive only this event id.") var event: String?
        @Flag(help: "Redrive every dead letter of the worker.") var all = false
        @OptionGroup var cluster: ClusterOptions

        func validate() throws {
            guard (event == nil) != !all else { throw ValidationError("give exactly one of --event ID or --all") }
        }

        func run() async throws {
            let logger = Logger.tool("gatehouse.dlq")
            let deadLetters = DeadLetters(configuration: try await cluster.workers(), worker: worker)
            var letters = try await deadLetters.list(logger: logger)
            if let event {
                letters = letters.filter { $0.eventID == event }
                guard !letters.isEmpty else { throw ValidationError("no dead letter of \(worker) has event id \(event)") }
                // The same event may be dead-lettered more than once; once back is enough.
                letters = Array(letters.suffix(1))
            }
            let sent = try await deadLetters.redrive(letters, logger: logger)
            print("Sent \(sent) dead letters back to \(worker).")
        }
    }
}
