import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension NotificationsWorker {
    /// POSTs an event to a webhook, signed, and sorts the answer: 2xx returns; 408, 429 and 5xx throw a
    /// retriable error carrying `Retry-After`; anything else throws a rejection.
    func post(_ event: WorkerEvent, to webhook: WebhookTarget, named name: String, logger: Logger) async throws(NotificationError) {
        guard let httpClient else { throw NotificationError(.unreachable, "webhook \(name) has no HTTP client") }
        let body = try Self.body(of: event, template: webhook.template, target: name)
        var request = HTTPClientRequest(url: webhook.url.absoluteString)
        request.method = .POST
        request.headers.add(
            name: "content-type", value: webhook.template == nil ? "application/cloudevents+json; charset=utf-8" : "application/json")
        request.headers.add(name: "user-agent", value: "gatehouse-notifications")
        for (field, value) in webhook.headers { request.headers.replaceOrAdd(name: field, value: value) }
        let id = StandardWebhooks.messageID(eventID: event.id, target: name)
        let timestamp = Int64(Date().timeIntervalSince1970)
        request.headers.replaceOrAdd(name: StandardWebhooks.idHeader, value: id)
        request.headers.replaceOrAdd(name: StandardWebhooks.timestampHeader, value: String(timestamp))
        if !webhook.secrets.isEmpty {
            request.headers.replaceOrAdd(
                name: StandardWebhooks.signatureHeader,
                value: StandardWebhooks.signature(id: id, timestamp: timestamp, body: body, secrets: webhook.secrets))
        }
        request.body = .bytes(ByteBuffer(bytes: body))

        let answer: Answer
        do {
            answer = try await Self.exchange(request, client: httpClient, timeout: webhook.timeout, logger: logger)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw NotificationError(.timedOut, "webhook \(name) did not answer within \(webhook.timeout)")
        } catch is TimedOut {
            throw NotificationError(.timedOut, "webhook \(name) did not answer within \(webhook.timeout)")
        } catch {
            throw NotificationError(.unreachable, "webhook \(name) cannot be reached: \(error)")
        }
        logger.debug("Webhook answered", metadata: ["target": "\(name)", "event.id": "\(event.id)", "status": "\(answer.status)"])
        switch answer.status {
        case 200..<300:
            return
        case 408, 429, 500..<600:
            throw NotificationError(
                .unavailable, "webhook \(name) answered \(answer.status): \(answer.excerpt)",
                retryAfter: answer.retryAfter.flatMap { RetryAfter.parse($0) })
        default:
            throw NotificationError(.rejected, "webhook \(name) answered \(answer.status): \(answer.excerpt)")
        }
    }

    /// What a webhook answered.
    struct Answer: Sendable {
        var status: Int
        var retryAfter: String?
        /// The first 200 characters of the body, on one line.
        var excerpt: String
    }

    /// The whole request within `timeout`, the answer's body included: the client's own deadline ends
    /// with the answer's head.
    private static func exchange(_ request: HTTPClientRequest, client: HTTPClient, timeout: Duration, logger: Logger) async throws
        -> Answer
    {
        try await withThrowingTaskGroup(of: Answer?.self) { group in
            group.addTask {
                let response = try await client.execute(request, timeout: timeout.timeAmount, logger: logger)
                var bytes: [UInt8] = []
                // Read enough to quote, and a little more so that a small body is drained and the
                // connection reused; a large one is abandoned.
                for try await chunk in response.body {
                    bytes.append(contentsOf: chunk.readableBytesView.prefix(4096 - bytes.count))
                    if bytes.count >= 4096 { break }
                }
                let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
                return Answer(
                    status: Int(response.status.code), retryAfter: response.headers.first(name: "retry-after"),
                    excerpt: String(text.prefix(200)))
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else { throw TimedOut() }
            return answer
        }
    }

    /// A request ran out of time.
    struct TimedOut: Error {}
}
