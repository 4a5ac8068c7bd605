/// Where notifications go: a webhook or a file. More kinds may come, so this is not an enum.
///
/// ```swift
/// configuration.targets["crm"] = .webhook(WebhookTarget(url: url, secrets: [secret]))
/// configuration.targets["archive"] = .file(FileTarget(path: path))
/// ```
public struct NotificationTarget: Sendable {
    enum Kind: Sendable {
        case webhook(WebhookTarget)
        case file(FileTarget)
    }

    let kind: Kind

    /// An HTTP POST, signed as Standard Webhooks specifies.
    public static func webhook(_ target: WebhookTarget) -> NotificationTarget { NotificationTarget(kind: .webhook(target)) }

    /// A line appended to a JSON Lines file.
    public static func file(_ target: FileTarget) -> NotificationTarget { NotificationTarget(kind: .file(target)) }
}
