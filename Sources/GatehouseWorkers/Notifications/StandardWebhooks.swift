import Crypto
import Foundation

/// Signing as Standard Webhooks specifies (standardwebhooks.com, version 1, symmetric).
///
/// The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; each secret gives one
/// `v1,<base64 of HMAC-SHA256>` entry, and the entries are joined by spaces so that a receiver
/// accepts the request while secrets rotate. Gatehouse only signs: it compares nothing.
enum StandardWebhooks {
    static let idHeader = "webhook-id"
    static let timestampHeader = "webhook-timestamp"
    static let signatureHeader = "webhook-signature"

    /// The `webhook-signature` value for a message.
    static func signature(id: String, timestamp: Int64, body: [UInt8], secrets: [WebhookSecret]) -> String {
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        return secrets.map { secret in
            let code = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: secret.key))
            return "v1," + Data(code).base64EncodedString()
        }.joined(separator: " ")
    }

    /// The `webhook-id` of an event sent to a target: stable across retries, so the receiver can pass
    /// over a repeat, and distinct per target.
    static func messageID(eventID: String, target: String) -> String {
        "msg_\(eventID)_\(target)"
    }
}
