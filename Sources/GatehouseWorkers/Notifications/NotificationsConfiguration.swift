public import Foundation
import GatehouseSignup

/// What the notifications worker sends where.
///
/// Targets are named; routes pick events and name the targets they go to. With no routes, every event
/// goes to the embedded default: a JSON Lines file, `<dataDirectory>/notifications.jsonl`.
///
/// ```swift
/// var configuration = NotificationsConfiguration(dataDirectory: URL(fileURLWithPath: "/var/lib/gatehouse"))
/// configuration.targets["crm"] = .webhook(
///     WebhookTarget(url: URL(string: "https://crm.example.com/hooks")!, secrets: [try WebhookSecret(secret)]))
/// configuration.routes = [NotificationRoute(decisions: ["continue"], targets: ["crm"])]
/// ```
public struct NotificationsConfiguration: Sendable {
    /// The targets by name. A name is letters, digits, `-` and `_`; it labels metrics and is part of
    /// each delivery's identity (the `webhook-id` and the delivered record).
    public var targets: [String: NotificationTarget] = [:]
    /// The routes. An event taking several routes to one target is delivered to it once.
    public var routes: [NotificationRoute] = []
    /// The CloudEvents types the worker reads: sign-up events by default.
    public var eventTypes: Set<String> = [SignupEvent.type]
    /// Where the delivered records live (`workers/<worker>-deliveries.sqlite`), and the default file.
    public var dataDirectory: URL = URL(fileURLWithPath: "data")
    /// The longest `Retry-After` honoured: a target asking for more is retried after this.
    public var maximumRetryAfter: Duration = .seconds(3600)

    /// The name of the embedded default target.
    public static let defaultTargetName = "file"

    /// A configuration; everything can be set afterwards.
    public init(
        targets: [String: NotificationTarget] = [:], routes: [NotificationRoute] = [], dataDirectory: URL = URL(fileURLWithPath: "data")
    ) {
        self.targets = targets
        self.routes = routes
        self.dataDirectory = dataDirectory
    }

    /// The targets and routes in force: the configured ones, or the default file target for every
    /// event when there are no routes.
    ///
    /// - Throws: ``NotificationError`` (invalid configuration) for a badly named target, a route to an
    ///   unknown target or to none, a webhook URL that is not HTTP, or a timeout that is not positive.
    func resolved() throws(NotificationError) -> (targets: [String: NotificationTarget], routes: [NotificationRoute]) {
        for (name, target) in targets {
            guard !name.isEmpty, name.unicodeScalars.allSatisfy(Self.nameCharacters.contains)
            else {
                throw NotificationError(.invalidConfiguration, "the target name \"\(name)\" must be letters, digits, - and _")
            }
            if case .webhook(let webhook) = target.kind {
                guard let scheme = webhook.url.scheme?.lowercased(), ["http", "https"].contains(scheme), webhook.url.host != nil else {
                    throw NotificationError(.invalidConfiguration, "the webhook \(name) needs an http or https URL, not \(webhook.url)")
                }
                guard webhook.timeout > .zero else {
                    throw NotificationError(.invalidConfiguration, "the webhook \(name) needs a positive timeout")
                }
            }
        }
        guard !routes.isEmpty else {
            let path = dataDirectory.appendingPathComponent("notifications.jsonl")
            return ([Self.defaultTargetName: .file(FileTarget(path: path))], [NotificationRoute(targets: [Self.defaultTargetName])])
        }
        for (index, route) in routes.enumerated() {
            guard !route.targets.isEmpty else {
                throw NotificationError(.invalidConfiguration, "route \(index + 1) names no target")
            }
            if let unknown = route.targets.first(where: { targets[$0] == nil }) {
                throw NotificationError(
                    .invalidConfiguration,
                    "route \(index + 1) names the target \"\(unknown)\", which is not configured (targets: \(targets.keys.sorted()))")
            }
        }
        return (targets, routes)
    }

    private static let nameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_".unicodeScalars)
}
