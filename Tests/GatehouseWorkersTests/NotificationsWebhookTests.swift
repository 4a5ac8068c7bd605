import Foundation
import GatehouseKafka
import GatehouseSignup
import GatehouseTestSupport
import GatehouseWorkers
import Testing

@Suite struct NotificationsWebhookTests {
    static let oldSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let newSecret = "whsec_" + Data("a brand new key for the rotation".utf8).base64EncodedString()

    /// A worker sending every event to the webhooks named, at `/hooks/<name>` of `base`.
    static func worker(
        _ workers: WorkerConfiguration, base: URL, webhooks: [String], secrets: [String] = [oldSecret],
        configure: (inout WebhookTarget) throws -> Void = { _ in }
    ) throws -> NotificationsWorker {
        var configuration = NotificationsConfiguration(dataDirectory: workers.dataDirectory)
        for name in webhooks {
            var target = WebhookTarget(url: base.appendingPathComponent("hooks/\(name)"), secrets: try secrets.map(WebhookSecret.init))
            try configure(&target)
            configuration.targets[name] = .webhook(target)
        }
        configuration.routes = [NotificationRoute(targets: webhooks)]
        return try NotificationsWorker(configuration: configuration)
    }

    @Test func requestsAreSignedWithEverySecretDuringRotation() async throws {
        try await TestFixtures.withCluster { cluster in
            let workers = WorkerFixture.configuration(cluster)
            let receiver = WebhookReceiver()
            try await receiver.serve { base in
                let worker = try Self.worker(workers, base: base, webhooks: ["crm"], secrets: [Self.newSecret, Self.oldSecret])
                try await NotificationsFixture.publish(
                    cluster, topic: workers.sourceTopics[0],
                    [("evt-1", "ada@example.com", NotificationsFixture.signupData("ada@example.com"))])
                try await NotificationsFixture.withWorker(worker, workers, cluster) {
                    try await waitUntil("the webhook called") { receiver.requests().count == 1 }
                }
            }
            let request = try #require(receiver.requests().first)
            #expect(request.headers["webhook-id"] == "msg_evt-1_crm")
            let timestamp = try #require(request.headers["webhook-timestamp"].flatMap(Double.init))
            #expect(abs(Date().timeIntervalSince1970 - timestamp) < 60)
            #expect(request.headers["webhook-signature"]?.split(separator: " ").count == 2)
            #expect(NotificationsFixture.signatureIsValid(request, secret: Self.oldSecret))
            #expect(NotificationsFixture.signatureIsValid(request, secret: Self.newSecret))
            #expect(!NotificationsFixture.signatureIsValid(request, secret: "whsec_" + Data("some other key".utf8).base64EncodedString()))
            #expect(request.headers["content-type"] == "application/cloudevents+json; charset=utf-8")
            // The default body: the CloudEvent in structured mode.
            let body = try #require(request.json)
            #expect(body["specversion"] == .string("1.0"))
            #expect(body["id"] == .string("evt-1"))
            #expect(body["type"] == .string(SignupEvent.type))
            #expect(body["source"] == .string("/gatehouse/test"))
            #expect(body["subject"] == .string("ada@example.com"))
            #expect(body["time"] == .string("2026-11-20T10:00:00.000Z"))
            #expect(body["datacontenttype"] == .string("application/json"))
            #expect(body["data"]?["claims"]?["email"] == .string("ada@example.com"))
        }
    }

    @Test func serverErrorsAreRetriedUntilOneDelivery() async throws {
        try await TestFixtures.withCluster { cluster in
            let workers = WorkerFixture.configuration(cluster, delays: [.milliseconds(100), .milliseconds(200)])
            let receiver = WebhookReceiver(["/hooks/crm": [.init(status: 500, body: "down"), .init(status: 503), .init(status: 200)]])
            let outcomes = try await receiver.serve { base in
                let worker = try Self.worker(workers, base: base, webhooks: ["crm"])
                try await NotificationsFixture.publish(
                    cluster, topic: workers.sourceTopics[0],
                    [("evt-2", "bob@example.com", NotificationsFixture.signupData("bob@example.com"))])
                return try await NotificationsFixture.withWorker(worker, workers, cluster) {
                    try await NotificationsFixture.outcomes(cluster, workers, count: 3)
                }
            }
            #expect(outcomes.map(\.status) == [.retrying, .retrying, .done])
            #expect(outcomes.first?.error == "unavailable: webhook crm answered 500: down")
            let requests = receiver.requests()
            #expect(requests.map(\.answeredStatus) == [500, 503, 200])
            // The same message id on every attempt, each freshly signed.
            #expect(Set(requests.compactMap { $0.headers["webhook-id"] }) == ["msg_evt-2_crm"])
            #expect(requests.allSatisfy { NotificationsFixture.signatureIsValid($0, secret: Self.oldSecret) })
        }
    }

    @Test func tooManyRequestsIsRetriedNoSoonerThanRetryAfter() async throws {
        try await TestFixtures.withCluster { cluster in
            let workers = WorkerFixture.configuration(cluster, delays: [.milliseconds(100)])
            let receiver = WebhookReceiver(["/hooks/crm": [.init(status: 429, headers: ["Retry-After": "1"]), .init(status: 200)]])
            try await receiver.serve { base in
                let worker = try Self.worker(workers, base: base, webhooks: ["crm"])
                try await NotificationsFixture.publish(
                    cluster, topic: workers.sourceTopics[0],
                    [("evt-3", "cy@example.com", NotificationsFixture.signupData("cy@example.com"))])
                try await NotificationsFixture.withWorker(worker, workers, cluster) {
                    try await waitUntil("the retry answered") { receiver.requests().count == 2 }
                }
            }
            let requests = receiver.requests()
            #expect(requests.map(\.answeredStatus) == [429, 200])
            #expect(requests[1].at - requests[0].at >= .seconds(1))
        }
    }

    @Test func aClientErrorSendsTheEventToDeadLetters() async throws {
        try await TestFixtures.withCluster { cluster in
            let workers = WorkerFixture.configuration(cluster)
            let receiver = WebhookReceiver(["/hooks/crm": [.init(status: 400, body: "unknown field \"claims\"")]])
            let deadLetters = try await receiver.serve { base in
                let worker = try Self.worker(workers, base: base, webhooks: ["crm"])
                try await NotificationsFixture.publish(
                    cluster, topic: workers.sourceTopics[0],
                    [("evt-4", "di@example.com", NotificationsFixture.signupData("di@example.com"))])
                return try await NotificationsFixture.withWorker(worker, workers, cluster) {
                    try await TestFixtures.readTopic(cluster, topic: workers.deadLetterTopic(worker: worker.name), count: 1)
                }
            }
            let deadLetter = try #require(deadLetters.first)
            #expect(deadLetter.headers.first(named: "ce_id") == "evt-4")
            #expect(deadLetter.headers.first(named: WorkerHeaders.error) == #"webhook crm answered 400: unknown field "claims""#)
            #expect(deadLetter.headers.first(named: WorkerHeaders.permanent) == "true")
            #expect(deadLetter.headers.first(named: WorkerHeaders.attempts) == "1")
            #expect(receiver.requests().count == 1)
        }
    }

    @Test func theSameEventIDTwiceIsDeliveredOnce() async throws {
        try await TestFixtures.withCluster { cluster in
            let workers = WorkerFixture.configuration(cluster)
            let receiver = WebhookReceiver()
            let outcomes = try await receiver.serve { base in
                let worker = try Self.worker(workers, base: base, webhooks: ["crm"])
                let data = NotificationsFixture.signupData("ed@example.com")
                try await NotificationsFixture.publish(
                    cluster, topic: workers.sourceTopics[0], [("evt-5", "ed@example.com", data), ("evt-5", "ed@example.com", data)])
                return try await NotificationsFixture.withWorker(worker, workers, cluster) {
                    try await NotificationsFixture.outcomes(cluster, workers, count: 2)
                }
            }
            #expect(outcomes.map(\.status) == [.done, .duplicate])
            #expect(receiver.requests().count == 1)
        }
    }

    @Test func aTargetThatSucceededIsNotSentAgainWhenAnotherIsRetried() async throws {
        try await TestFixtures.withCluster { cluster in
            let workers = WorkerFixture.configuration(cluster, delays: [.milliseconds(100)])
            let receiver = WebhookReceiver(["/hooks/flaky": [.init(status: 502), .init(status: 204)]])
            let outcomes = try await receiver.serve { base in
                let worker = try Self.worker(workers, base: base, webhooks: ["steady", "flaky"])
                try await NotificationsFixture.publish(
                    cluster, topic: workers.sourceTopics[0],
                    [("evt-6", "fay@example.com", NotificationsFixture.signupData("fay@example.com"))])
                return try await NotificationsFixture.withWorker(worker, workers, cluster) {
                    try await NotificationsFixture.outcomes(cluster, workers, count: 2)
                }
            }
            #expect(outcomes.map(\.status) == [.retrying, .done])
            #expect(receiver.requests("/hooks/steady").count == 1)
            #expect(receiver.requests("/hooks/flaky").map(\.answeredStatus) == [502, 204])
            #expect(receiver.requests("/hooks/steady").first?.headers["webhook-id"] == "msg_evt-6_steady")
        }
    }

    @Test func aSlowWebhookTimesOutAndIsRetried() async throws {
        try await TestFixtures.withCluster { cluster in
            let workers = WorkerFixture.configuration(cluster, delays: [.milliseconds(100)])
            let receiver = WebhookReceiver(["/hooks/crm": [.init(status: 200, delay: .seconds(5)), .init(status: 200)]])
            let outcomes = try await receiver.serve { base in
                // A second answer well within the timeout even on a loaded machine: one full run with
                // every suite at once (PostgreSQL servers among them) once took over 1 s for it.
                let worker = try Self.worker(workers, base: base, webhooks: ["crm"]) { $0.timeout = .seconds(2) }
                try await NotificationsFixture.publish(
                    cluster, topic: workers.sourceTopics[0],
                    [("evt-7", "gus@example.com", NotificationsFixture.signupData("gus@example.com"))])
                return try await NotificationsFixture.withWorker(worker, workers, cluster) {
                    try await NotificationsFixture.outcomes(cluster, workers, count: 2)
                }
            }
            #expect(outcomes.map(\.status) == [.retrying, .done], "\(outcomes.map { $0.error ?? "-" })")
            #expect(outcomes.first?.error == "timed out: webhook crm did not answer within 2.0 seconds")
        }
    }

    @Test func aTemplateRendersTheBody() async throws {
        try await TestFixtures.withCluster { cluster in
            let workers = WorkerFixture.configuration(cluster)
            let receiver = WebhookReceiver()
            try await receiver.serve { base in
                let template = try NotificationTemplate(
                    #"{"text": "New sign-up: {{data.claims.email}} ({{data.claims.givenName}})", "event": "{{id}}", "data": {{{dataJSON}}}}"#
                )
                let worker = try Self.worker(workers, base: base, webhooks: ["chat"]) { $0.template = template }
                var data = NotificationsFixture.signupData("hal@example.com")
                if case .object(var members) = data {
                    members["claims"] = .object(["email": .string("hal@example.com"), "givenName": .string("Hal \"the\" <9000>")])
                    data = .object(members)
                }
                try await NotificationsFixture.publish(cluster, topic: workers.sourceTopics[0], [("evt-8", "hal@example.com", data)])
                try await NotificationsFixture.withWorker(worker, workers, cluster) {
                    try await waitUntil("the webhook called") { receiver.requests().count == 1 }
                }
            }
            let request = try #require(receiver.requests().first)
            #expect(request.headers["content-type"] == "application/json")
            #expect(NotificationsFixture.signatureIsValid(request, secret: Self.oldSecret))
            let body = try #require(request.json)
            #expect(body["text"] == .string(#"New sign-up: hal@example.com (Hal "the" <9000>)"#))
            #expect(body["event"] == .string("evt-8"))
            #expect(body["data"]?["step"] == .string("postAttributeCollection"))
        }
    }
}
