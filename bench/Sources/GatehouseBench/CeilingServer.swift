import ArgumentParser
import Hummingbird

/// The ceiling for the gateway benchmark: a bare Hummingbird route that answers a constant Continue.
struct CeilingServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceiling",
        abstract: "Serve a constant Continue on POST /v1/connectors/post-attribute-collection (the benchmark's ceiling)."
    )

    @Option(help: "Port to bind on 127.0.0.1.") var port: Int = 18_180

    func run() async throws {
        let router = Router()
        router.post("/v1/connectors/post-attribute-collection") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: .init(string: #"{"action":"Continue","version":"1.0.0"}"#))
            )
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}
