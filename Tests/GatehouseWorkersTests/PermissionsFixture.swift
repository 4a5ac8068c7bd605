import Foundation
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

/// Sign-up events as the gateway records them, for the permissions worker.
enum PermissionsFixture {
    /// A real sign-up event: the claims, the step and Gatehouse's decision.
    static func signup(
        id: String,
        email: String,
        step: SignupStep = .postAttributeCollection,
        decision: SignupDecision = .continue,
        country: String? = nil,
        custom: [String: JSONValue] = [:]
    ) -> SignupEvent {
        var claims = SignupClaims()
        claims.email = email
        claims.country = country
        claims.custom = custom
        let request = SignupRequest(dialect: .entraWorkforce, step: step, claims: claims, raw: claims.json)
        return SignupEvent(
            id: id, source: "/gatehouse/test", time: Date(), request: request, decision: decision, userKey: claims.userKey ?? email,
            durability: "local", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    }

    /// Publishes events in CloudEvents binary mode, keyed by user, in order.
    static func publish(_ cluster: EmbeddedKafkaCluster, topic: String, _ events: [SignupEvent]) async throws {
        let producer = try KafkaProducer(
            configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
        for event in events {
            let headers = event.headers.map { KafkaHeader(key: $0.0, value: $0.1) }
            _ = try await producer.send(
                KafkaProducerMessage(topic: topic, key: Array(event.userKey.utf8), value: event.dataBytes, headers: headers))
        }
        await producer.shutdown()
    }

    /// A grant store in a fresh file.
    static func store() throws -> (SQLiteGrantStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("grants") + ".sqlite").path
        return (try SQLiteGrantStore(path: path), path)
    }
}

/// A SCIM service provider on 127.0.0.1: a real Hummingbird server that records every request and
/// answers each group's requests from a script (204 once a group's script is used up).
final class SCIMServer: Sendable {
    struct Received: Sendable {
        var method: String
        var path: String
        var authorization: String?
        var contentType: String?
        var body: String
        var at: ContinuousClock.Instant
    }

    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var retryAfter: String?
        var detail: String?

        init(_ status: HTTPResponse.Status, retryAfter: String? = nil, detail: String? = nil) {
            self.status = status
            self.retryAfter = retryAfter
            self.detail = detail
        }
    }

    private struct State {
        var received: [Received] = []
        var script: [String: [Answer]]
        var port: Int?
    }

    private let state: Mutex<State>

    private init(script: [String: [Answer]]) {
        state = Mutex(State(script: script))
    }

    /// Every request so far, in order.
    var received: [Received] { state.withLock { $0.received } }

    /// Runs a server answering per `script` (by SCIM group id) while `body` runs; `body` gets the
    /// server and its SCIM base URL.
    static func with<T: Sendable>(
        script: [String: [Answer]] = [:],
        _ body: @escaping @Sendable (SCIMServer, String) async throws -> T
    ) async throws -> T {
        let server = SCIMServer(script: script)
        let router = Router()
        router.patch("/scim/v2/Groups/:id") { request, context in try await server.answer(request, context) }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in server.state.withLock { $0.port = channel.localAddress?.port } },
            logger: TestFixtures.logger("scim"))
        let group = ServiceGroup(services: [app], logger: TestFixtures.logger("scim"))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            try await waitUntil("the SCIM server to listen") { server.state.withLock { $0.port } != nil }
            let port = try #require(server.state.withLock { $0.port })
            let result = try await body(server, "http://127.0.0.1:\(port)/scim/v2")
            await group.triggerGracefulShutdown()
            for try await _ in tasks {}
            return result
        }
    }

    private func answer(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 65536)
        let id = context.parameters.get("id") ?? ""
        let answer = state.withLock { state -> Answer in
            state.received.append(
                Received(
                    method: request.method.rawValue, path: request.uri.path, authorization: request.headers[.authorization],
                    contentType: request.headers[.contentType], body: String(buffer: body), at: .now))
            guard var answers = state.script[id], !answers.isEmpty else { return Answer(.noContent) }
            let next = answers.removeFirst()
            state.script[id] = answers
            return next
        }
        var headers: HTTPFields = [:]
        if let retryAfter = answer.retryAfter { headers[.retryAfter] = retryAfter }
        guard let detail = answer.detail else { return Response(status: answer.status, headers: headers) }
        headers[.contentType] = "application/scim+json"
        let error: JSONValue = .object([
            "schemas": .array([.string("urn:ietf:params:scim:api:messages:2.0:Error")]), "status": .string(String(answer.status.code)),
            "detail": .string(detail),
        ])
        return Response(status: answer.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: error.canonicalBytes())))
    }
}
