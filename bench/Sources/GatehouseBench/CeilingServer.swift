import ArgumentParser
import Foundation
import GatehouseGateway
import Hummingbird

/// The ceiling for the gateway benchmark: a bare Hummingbird route that answers a constant Continue.
///
/// With `--read-request` it is the floor under the gateway instead: the same route also checks HTTP
/// Basic with the gateway's own authenticator (against the `GATEHOUSE_BENCH_AUTH` credential) and reads
/// the body up to 64 KiB before answering the constant, the work any connector endpoint does before
/// its own.
struct CeilingServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceiling",
        abstract: "Serve a constant Continue on POST /v1/connectors/post-attribute-collection (the benchmark's ceiling)."
    )

    @Option(help: "Port to bind on 127.0.0.1.") var port: Int = 18_180
    @Flag(help: "Check Basic auth as the gateway does (GATEHOUSE_BENCH_AUTH, base64 of user:password) and read the body before answering.")
    var readRequest = false

    func run() async throws {
        let router = Router()
        let answer = #"{"action":"Continue","version":"1.0.0"}"#
        if readRequest {
            guard let token = ProcessInfo.processInfo.environment["GATEHOUSE_BENCH_AUTH"],
                let decoded = Data(base64Encoded: token), let credential = BasicCredential(String(decoding: decoded, as: UTF8.self))
            else {
                throw ValidationError("--read-request needs GATEHOUSE_BENCH_AUTH, the base64 of user:password")
            }
            let authenticator = BasicAuthenticator(credentials: [credential])
            router.post("/v1/connectors/post-attribute-collection") { request, _ in
                guard authenticator.authenticate(request.headers[.authorization]) else { return Response(status: .unauthorized) }
                _ = try await request.body.collect(upTo: 64 * 1024)
                return Self.constant(answer)
            }
        } else {
            router.post("/v1/connectors/post-attribute-collection") { _, _ in Self.constant(answer) }
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }

    private static func constant(_ answer: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: .init(string: answer))
        )
    }
}
