import Foundation
import GatehouseWorkers

extension Values {
    /// The `workers.permissions` section: the grant rules (from the YAML `document`) and the SCIM
    /// endpoint, when any `scim` key is present. `environment` is where `token_env` is looked up.
    func permissions(document: [String: Any], environment: [String: String], _ problems: inout [String]) -> PermissionsConfiguration {
        var configuration = PermissionsConfiguration()
        configuration.grants = GrantRulesSection.read(Self.raw(document, GrantRulesSection.path), &problems)
        configuration.scim = scim(document: document, grants: configuration.grants, environment: environment, &problems)
        return configuration
    }

    private func scim(document: [String: Any], grants: [GrantRule], environment: [String: String], _ problems: inout [String])
        -> SCIMConfiguration?
    {
        let prefix = "workers.permissions.scim."
        guard present.contains(where: { $0.hasPrefix(prefix) }) else { return nil }
        let before = problems.count

        let url = string(prefix + "url", &problems)
        if let url {
            let parsed = URL(string: url)
            if parsed?.host == nil || !["http", "https"].contains(parsed?.scheme?.lowercased() ?? "") {
                problems.append("\(prefix)url: must be an http(s) URL such as https://scim.example.com/scim/v2")
            }
        } else {
            problems.append("\(prefix)url: required, the SCIM service provider's base URL")
        }

        var token: SCIMConfiguration.Token?
        switch (string(prefix + "token_env", &problems), string(prefix + "token_file", &problems)) {
        case (let name?, nil):
            if environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true {
                problems.append("\(prefix)token_env: the environment variable \(name) is not set")
            }
            token = .environment(name)
        case (nil, let file?):
            if (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true {
                problems.append("\(prefix)token_file: cannot read a token from \(file)")
            }
            token = .file(file)
        default:
            problems.append("\(prefix)token_env / token_file: exactly one is required (the bearer token is never put in this file)")
        }

        var groups: [String: String] = [:]
        let groupsValue = Self.raw(document, prefix + "groups")
        if let map = groupsValue as? [String: Any] {
            if map.isEmpty { problems.append("\(prefix)groups: required, each pushed group's SCIM id by its name") }
            let granted = Set(grants.filter { $0.kind == .group }.map(\.name))
            for (name, id) in map.sorted(by: { $0.key < $1.key }) {
                guard let id = GrantRulesSection.scalarText(id), !id.isEmpty else {
                    problems.append("\(prefix)groups.\(name): must be the group's SCIM id")
                    continue
                }
                if !granted.contains(name) { problems.append("\(prefix)groups.\(name): no grant gives the group '\(name)'") }
                groups[name] = id
            }
        } else if groupsValue == nil || groupsValue is NSNull {
            problems.append("\(prefix)groups: required, each pushed group's SCIM id by its name, such as {staff: 2819c223-7f76-453a}")
        } else {
            problems.append("\(prefix)groups: must be a mapping of group names to SCIM group ids")
        }

        var member = SCIMConfiguration.Member.userKey
        if let name = string(prefix + "member", &problems) {
            switch name {
            case "user_key": member = .userKey
            case "email": member = .email
            case "": problems.append("\(prefix)member: must be user_key, email or an attribute name")
            default: member = .attribute(name)
            }
        }
        let timeout = integer(prefix + "timeout_seconds", &problems).map { Duration.seconds($0) } ?? .seconds(10)
        guard problems.count == before, let url, let token else { return nil }
        return SCIMConfiguration(url: url, token: token, groups: groups, member: member, timeout: timeout)
    }

    /// The value at a dotted path of the YAML document.
    static func raw(_ document: [String: Any], _ path: String) -> Any? {
        var value: Any? = document
        for part in path.split(separator: ".") { value = (value as? [String: Any])?[String(part)] }
        return value
    }
}
