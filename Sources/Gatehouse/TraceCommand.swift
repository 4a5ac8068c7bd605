import ArgumentParser
import Foundation
import GatehouseReplay
import GatehouseSignup

/// `gatehouse trace <email | user key | event id>`: one sign-up's timeline.
struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Show one sign-up's timeline: requests, decisions, the event on Kafka, and each worker's outcome.",
        discussion: """
            Reads the audit store, where the audit worker keeps every sign-up event and every worker's outcome (done,
            retrying with the attempt, dead-lettered with the reason). Give an email, a user key, or an event id.
            """
    )

    @Argument(help: "An email, a user key, or an event id.")
    var subject: String

    @OptionGroup var options: AuditCommand.StoreOptions

    @Flag(help: "Print JSON for programs.")
    var json = false

    func run() async throws {
        let trace: SignupTrace
        do {
            trace = try await options.withStore { try await SignupTrace.build(for: subject, store: $0) }
        } catch let error as ReplayError {
            throw ValidationError(error.description)
        }
        print(json ? String(decoding: trace.json.canonicalBytes(), as: UTF8.self) : trace.text)
    }
}
