import Foundation
import GatehouseWorkers

extension GatehouseSettings {
    /// The `workers.notifications` section: named targets and the routes that pick events for them.
    ///
    /// ```yaml
    /// workers:
    ///   notifications:
    ///     targets:
    ///       crm: {webhook: https://crm.example.com/hooks, secrets_env: GATEHOUSE_CRM_SECRETS, timeout_seconds: 5}
    ///       archive: {file: /var/lib/gatehouse/signups.jsonl}
    ///     routes:
    ///       - {decisions: [continue, modify], targets: [crm, archive]}
    /// ```
    static func notifications(
        _ section: Any?,
        dataDirectory: URL,
        environment: [String: String],
        _ problems: inout [String]
    ) -> NotificationsConfiguration {
        var configuration = NotificationsConfiguration(dataDirectory: dataDirectory)
        guard let section else { return configuration }
        let prefix = "workers.notifications"
        guard let mapping = section as? [String: Any] else {
            problems.append("\(prefix): must be a mapping with targets and routes")
            return configuration
        }
        for key in mapping.keys.sorted() where key != "targets" && key != "routes" {
            problems.append("\(prefix).\(key): unknown key; notifications have targets and routes")
        }
        for (name, value) in (mapping["targets"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let path = "\(prefix).targets.\(name)"
            guard let target = value as? [String: Any] else {
                problems.append("\(path): must be a mapping with webhook or file")
                continue
            }
            if let parsed = Self.target(target, path: path, environment: environment, &problems) { configuration.targets[name] = parsed }
        }
        if mapping["targets"] != nil && !(mapping["targets"] is [String: Any]) {
            problems.append("\(prefix).targets: must map target names to {webhook: URL, …} or {file: path}")
        }
        if let routes = mapping["routes"] {
            guard let list = routes as? [Any] else {
                problems.append("\(prefix).routes: must be a list of {types, decisions, steps, targets}")
                return configuration
            }
            for (index, item) in list.enumerated() {
                let path = "\(prefix).routes[\(index)]"
                guard let route = item as? [String: Any], let targets = Self.strings(route["targets"]), !targets.isEmpty else {
                    problems.append("\(path): needs targets, a list of target names")
                    continue
                }
                for key in route.keys.sorted() where !["types", "decisions", "steps", "targets"].contains(key) {
                    problems.append("\(path).\(key): unknown key; a route has types, decisions, steps and targets")
                }
                for target in targets where configuration.targets[target] == nil && mapping["targets"] is [String: Any] {
                    if (mapping["targets"] as? [String: Any])?[target] == nil {
                        problems.append("\(path).targets: no target named '\(target)' under \(prefix).targets")
                    }
                }
                configuration.routes.append(
                    NotificationRoute(
                        eventTypes: Set(Self.strings(route["types"]) ?? []), decisions: Set(Self.strings(route["decisions"]) ?? []),
                        steps: Set(Self.strings(route["steps"]) ?? []), targets: targets))
            }
        }
        return configuration
    }

    private static func target(_ target: [String: Any], path: String, environment: [String: String], _ problems: inout [String])
        -> NotificationTarget?
    {
        let known = ["webhook", "file", "secrets", "secrets_env", "timeout_seconds", "template", "headers"]
        for key in target.keys.sorted() where !known.contains(key) {
            problems.append("\(path).\(key): unknown key; a target has \(known.joined(separator: ", "))")
        }
        var template: NotificationTemplate?
        if let text = target["template"] {
            do {
                template = try NotificationTemplate("\(text)")
            } catch {
                problems.append("\(path).template: \(error)")
                return nil
            }
        }
        if let file = target["file"] as? String {
            return .file(FileTarget(path: URL(fileURLWithPath: file), template: template))
        }
        guard let text = target["webhook"] as? String, let url = URL(string: text), url.scheme == "https" || url.scheme == "http",
            url.host != nil
        else {
            problems.append("\(path): needs webhook (an http or https URL) or file (a path)")
            return nil
        }
        var webhook = WebhookTarget(url: url)
        var secretTexts = strings(target["secrets"]) ?? []
        if let variable = target["secrets_env"] as? String {
            guard let value = environment[variable] else {
                problems.append("\(path).secrets_env: the environment variable \(variable) is not set")
                return nil
            }
            secretTexts += value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        for (index, text) in secretTexts.enumerated() {
            do {
                webhook.secrets.append(try WebhookSecret(text))
            } catch {
                // Never echo the secret itself.
                problems.append("\(path).secrets[\(index)]: not a Standard Webhooks secret (whsec_ followed by base64)")
            }
        }
        if let seconds = target["timeout_seconds"] {
            guard let value = seconds as? Int, (1...300).contains(value) else {
                problems.append("\(path).timeout_seconds: must be a whole number of seconds from 1 to 300")
                return nil
            }
            webhook.timeout = .seconds(value)
        }
        if let headers = target["headers"] as? [String: Any] {
            webhook.headers = headers.mapValues { "\($0)" }
        }
        webhook.template = template
        return .webhook(webhook)
    }

    private static func strings(_ value: Any?) -> [String]? {
        if let list = value as? [Any] { return list.map { "\($0)" } }
        if let single = value as? String { return [single] }
        return nil
    }
}
