import Crypto
import Foundation
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

/// A notifications worker and its runner on an embedded cluster, with their own topics and data folder.
enum NotificationsFixture {
    /// Runs `worker` under a runner until `body` returns; the worker comes first in the group, so the
    /// runner stops before the worker closes its HTTP client.
    static func withWorker<T: Sendable>(
        _ worker: NotificationsWorker,
        _ configuration: WorkerConfiguration,
        _ cluster: EmbeddedKafkaCluster,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let runner = WorkerRunner(worker: worker, configuration: configuration, topics: cluster, logger: TestFixtures.logger("worker"))
        return try await WorkerFixture.withServices([worker, runner], body)
    }

    /// Publishes sign-up CloudEvents with the given data, in order.
    static func publish(_ cluster: EmbeddedKafkaCluster, topic: String, _ events: [(id: String, user: String, data: JSONValue)])
        async throws
    {
        let producer = try KafkaProducer(
            configuration: TestFixtures.producerConfiguration(cluster), logger: TestFixtures.logger("producer"))
        for event in events {
            let headers = [
                KafkaHeader(key: "ce_specversion", value: "1.0"), KafkaHeader(key: "ce_id", value: event.id),
                KafkaHeader(key: "ce_source", value: "/gatehouse/test"), KafkaHeader(key: "ce_type", value: SignupEvent.type),
                KafkaHeader(key: "ce_time", value: "2026-11-20T10:00:00.000Z"), KafkaHeader(key: "ce_subject", value: event.user),
                KafkaHeader(key: "content-type", value: "application/json"),
            ]
            _ = try await producer.send(
                KafkaProducerMessage(topic: topic, key: Array(event.user.utf8), value: event.data.canonicalBytes(), headers: headers))
        }
        await producer.shutdown()
    }

    /// Sign-up-shaped data for a user.
    static func signupData(_ email: String, action: String = "continue", step: String = "postAttributeCollection") -> JSONValue {
        .object([
            "userKey": .string(email), "step": .string(step), "claims": .object(["email": .string(email), "givenName": .string("Ada")]),
            "decision": .object(["action": .string(action), "rules": .array([])]),
        ])
    }

    /// The outcomes of one event, in the order published, once `count` outcomes of the run have arrived.
    static func outcomes(_ cluster: EmbeddedKafkaCluster, _ configuration: WorkerConfiguration, count: Int) async throws -> [WorkerOutcome]
    {
        let records = try await TestFixtures.readTopic(cluster, topic: try #require(configuration.outcomesTopic), count: count)
        return records.compactMap { try? WorkerOutcome(json: JSONValue.parse($0.value ?? [])) }
    }

    /// Checks a Standard Webhooks signature header against one secret, with an HMAC written out here
    /// from SHA-256 (RFC 2104), independent of the worker's signer.
    static func signatureIsValid(_ request: WebhookReceiver.Request, secret: String) -> Bool {
        guard let id = request.headers["webhook-id"], let timestamp = request.headers["webhook-timestamp"],
            let header = request.headers["webhook-signature"], let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count)))
        else { return false }
        let expected = Data(hmacSHA256(key: Array(key), message: Array("\(id).\(timestamp).".utf8) + request.body)).base64EncodedString()
        return header.split(separator: " ").contains { $0 == "v1,\(expected)" }
    }

    private static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let blockSize = 64
        var block = key.count > blockSize ? Array(SHA256.hash(data: key)) : key
        block += Array(repeating: 0, count: blockSize - block.count)
        let inner = Array(SHA256.hash(data: block.map { $0 ^ 0x36 } + message))
        return Array(SHA256.hash(data: block.map { $0 ^ 0x5c } + inner))
    }
}

/// A real HTTP server on loopback that records each webhook request and answers as scripted per path.
final class WebhookReceiver: Sendable {
    /// One answer: a status, headers, a body, and how long to wait before giving it.
    struct Answer: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: String = ""
        var delay: Duration = .zero
    }

    /// A request as received.
    struct Request: Sendable {
        var path: String
        var headers: [String: String]
        var body: [UInt8]
        var at: ContinuousClock.Instant
        var answeredStatus: Int

        var json: JSONValue? { try? JSONValue.parse(body) }
    }

    /// The answers per path (`/hooks/<name>`), in order; the last repeats. Unscripted paths answer 200.
    private let script: [String: [Answer]]
    private let state = Mutex<[Request]>([])

    init(_ script: [String: [Answer]] = [:]) { self.script = script }

    /// Every request so far, or those to one path.
    func requests(_ path: String? = nil) -> [Request] {
        state.withLock { requests in requests.filter { path == nil || $0.path == path } }
    }

    /// Serves on 127.0.0.1 on a free port for the duration of `body`, which gets the base URL.
    func serve<T: Sendable>(_ body: @escaping @Sendable (URL) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/hooks/{name}") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let answer = self.record(path: request.uri.path, headers: request.headers, body: Array(buffer: bytes))
            // The server's own behaviour (a slow webhook), not test synchronisation.
            if answer.delay > .zero { try await Task.sleep(for: answer.delay) }
            var fields = HTTPFields()
            for (name, value) in answer.headers { fields[HTTPField.Name(name)!] = value }
            return Response(
                status: HTTPResponse.Status(code: answer.status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await application.test(.live) { client in
            try await body(URL(string: "http://127.0.0.1:\(try #require(client.port))")!)
        }
    }

    private func record(path: String, headers: HTTPFields, body: [UInt8]) -> Answer {
        state.withLock { requests in
            let index = requests.filter { $0.path == path }.count
            let answers = script[path] ?? []
            let answer = answers.isEmpty ? Answer(status: 200) : answers[min(index, answers.count - 1)]
            var fields: [String: String] = [:]
            for field in headers { fields[field.name.canonicalName] = field.value }
            requests.append(Request(path: path, headers: fields, body: body, at: .now, answeredStatus: answer.status))
            return answer
        }
    }
}
