import ArgumentParser

/// The `gatehouse` command line.
@main
struct Gatehouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "Answers Microsoft Entra sign-up calls at once and records every sign-up on Kafka.",
        subcommands: [
            DevCommand.self, ServeCommand.self, CheckConfigCommand.self, RulesCommand.self, WorkerCommand.self, DeadLetterCommand.self,
            AuditCommand.self, GrantsCommand.self, ReplayCommand.self, TraceCommand.self, BrokerCommand.self,
        ]
    )
}
