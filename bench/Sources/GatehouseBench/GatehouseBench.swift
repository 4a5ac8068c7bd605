import ArgumentParser

/// Gatehouse's in-repo benchmarks. Each prints `name value` lines; the scripts beside them run the
/// baseline in the same run and print the ratios.
@main
struct GatehouseBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse-bench",
        abstract: "Gatehouse's benchmarks (see bench/README.md).",
        subcommands: [
            ProducerBenchmark.self, CeilingServer.self, RulesBenchmark.self, RequestPathBenchmark.self, SignupEventsPublisher.self,
            WorkersBenchmark.self,
        ]
    )
}
