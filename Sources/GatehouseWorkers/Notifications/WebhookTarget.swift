public import Foundation

/// A webhook: an HTTP POST of a JSON body, signed as Standard Webhooks specifies.
///
/// A 2xx answer is success. 408, 429 and 5xx are retried, no sooner than the answer's `Retry-After`;
/// so are connection failures and timeouts. Any other answer (other 4xx, and 3xx, as redirects are
/// not followed) sends the event to dead letters.
///
/// ```swift
/// var crm = WebhookTarget(url: URL(string: "https://crm.example.com/hooks/signups")!)
/// crm.secrets = [try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
/// ```
public struct WebhookTarget: Sendable {
    /// Where to POST, `http` or `https`.
    public var url: URL
    /// The signing secrets: one `webhook-signature` entry each. Give the new and the old secret while
    /// rotating; with none, requests are not signed.
    public var secrets: [WebhookSecret] = []
    /// How long one request may take, connection to last byte of the answer.
    public var timeout: Duration = .seconds(5)
    /// The body; `nil` sends the CloudEvent in structured mode (`application/cloudevents+json`).
    public var template: NotificationTemplate?
    /// More request headers, such as `Authorization`.
    public var headers: [String: String] = [:]

    /// A webhook at `url`.
    public init(
        url: URL, secrets: [WebhookSecret] = [], timeout: Duration = .seconds(5), template: NotificationTemplate? = nil,
        headers: [String: String] = [:]
    ) {
        self.url = url
        self.secrets = secrets
        self.timeout = timeout
        self.template = template
        self.headers = headers
    }
}
