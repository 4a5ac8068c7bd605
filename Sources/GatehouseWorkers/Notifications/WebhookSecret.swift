import Foundation

/// A Standard Webhooks signing secret: `whsec_` followed by the key in base64.
///
/// The key is the base64-decoded part after the prefix. The secret never prints: its description
/// shows only the prefix.
///
/// ```swift
/// let secret = try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
/// ```
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible {
    /// The HMAC-SHA256 key.
    let key: [UInt8]

    /// Reads a `whsec_` secret.
    ///
    /// - Throws: ``NotificationError`` (invalid configuration) when the prefix is missing, the rest is
    ///   not base64, or the key is empty.
    public init(_ text: String) throws(NotificationError) {
        let prefix = "whsec_"
        guard text.hasPrefix(prefix) else {
            throw NotificationError(.invalidConfiguration, "a webhook secret must start with \(prefix)")
        }
        guard let key = Data(base64Encoded: String(text.dropFirst(prefix.count))), !key.isEmpty else {
            throw NotificationError(.invalidConfiguration, "a webhook secret must be \(prefix) followed by a non-empty key in base64")
        }
        self.key = Array(key)
    }

    public var description: String { "whsec_…" }
}
