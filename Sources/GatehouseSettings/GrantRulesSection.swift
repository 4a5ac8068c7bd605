import Foundation
import GatehouseWorkers

/// `workers.permissions.grants`: a list of mappings, read from the YAML document itself (the
/// configuration reader takes lists of scalars only), each problem named by its place.
///
/// ```yaml
/// grants:
///   - {email_domain: [contoso.com, "*.contoso.com"], group: staff}
///   - {attribute: Department, equals: Sales, role: sales}
///   - {attribute: country, one_of: [DE, AT, CH], group: dach}
/// ```
enum GrantRulesSection {
    static let path = "workers.permissions.grants"
    private static let keys = ["email_domain", "attribute", "equals", "one_of", "group", "role"]

    /// The rules of `section` (`nil` when absent), recording a problem for each bad entry.
    static func read(_ section: Any?, _ problems: inout [String]) -> [GrantRule] {
        guard let section, !(section is NSNull) else { return [] }
        guard let entries = section as? [Any] else {
            problems.append("\(path): must be a list of grants, such as [{email_domain: [example.com], group: staff}]")
            return []
        }
        return entries.enumerated().compactMap { index, entry in rule(entry, at: "\(path)[\(index)]", &problems) }
    }

    private static func rule(_ entry: Any, at place: String, _ problems: inout [String]) -> GrantRule? {
        guard let fields = entry as? [String: Any] else {
            problems.append("\(place): must be a mapping of a condition and a grant, such as {email_domain: [example.com], group: staff}")
            return nil
        }
        let before = problems.count
        for key in fields.keys.sorted() where !keys.contains(key) {
            problems.append("\(place).\(key): unknown key; a grant has \(keys.joined(separator: ", "))")
        }

        var condition: GrantRule.Condition?
        switch (fields["email_domain"], fields["attribute"]) {
        case (let domains?, nil):
            if fields["equals"] != nil || fields["one_of"] != nil {
                problems.append("\(place): equals and one_of go with attribute, not email_domain")
            }
            condition = emailDomains(domains, at: "\(place).email_domain", &problems).map { .emailDomain($0) }
        case (nil, let attribute?):
            condition = attributeCondition(attribute, fields, at: place, &problems)
        case (.some, .some):
            problems.append("\(place): give one condition per grant, email_domain or attribute, not both")
        case (nil, nil):
            problems.append("\(place): needs a condition: email_domain, or attribute with equals or one_of")
        }

        var grant: (Grant.Kind, String)?
        switch (fields["group"], fields["role"]) {
        case (let group?, nil): grant = name(group, at: "\(place).group", &problems).map { (Grant.Kind.group, $0) }
        case (nil, let role?): grant = name(role, at: "\(place).role", &problems).map { (Grant.Kind.role, $0) }
        case (.some, .some): problems.append("\(place): give one grant per entry, group or role, not both")
        case (nil, nil): problems.append("\(place): needs a grant: group or role")
        }
        guard problems.count == before, let condition, let grant else { return nil }
        return GrantRule(when: condition, kind: grant.0, name: grant.1)
    }

    private static func emailDomains(_ value: Any, at place: String, _ problems: inout [String]) -> [String]? {
        let entries = (value as? [Any]) ?? [value]
        var domains: [String] = []
        for (index, entry) in entries.enumerated() {
            let where_ = value is [Any] ? "\(place)[\(index)]" : place
            guard let domain = entry as? String, isDomain(domain) else {
                problems.append("\(where_): must be a domain such as example.com, or *.example.com for its subdomains")
                continue
            }
            domains.append(domain)
        }
        if entries.isEmpty { problems.append("\(place): must list at least one domain") }
        return domains.count == entries.count && !entries.isEmpty ? domains : nil
    }

    private static func isDomain(_ text: String) -> Bool {
        let domain = text.hasPrefix("*.") ? text.dropFirst(2) : Substring(text)
        return !domain.isEmpty && !domain.hasPrefix(".") && !domain.hasSuffix(".") && !domain.contains("..")
            && domain.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
    }

    private static func attributeCondition(_ attribute: Any, _ fields: [String: Any], at place: String, _ problems: inout [String])
        -> GrantRule.Condition?
    {
        guard let attribute = attribute as? String, !attribute.isEmpty else {
            problems.append("\(place).attribute: must be an attribute name, such as country or Department")
            return nil
        }
        switch (fields["equals"], fields["one_of"]) {
        case (let value?, nil):
            guard let text = scalarText(value) else {
                problems.append("\(place).equals: must be a text, number or boolean")
                return nil
            }
            return .attribute(attribute, equals: text)
        case (nil, let values?):
            guard let list = values as? [Any], !list.isEmpty else {
                problems.append("\(place).one_of: must be a list of values")
                return nil
            }
            let texts = list.compactMap(scalarText)
            guard texts.count == list.count else {
                problems.append("\(place).one_of: every value must be a text, number or boolean")
                return nil
            }
            return .attribute(attribute, oneOf: texts)
        case (.some, .some):
            problems.append("\(place): give equals or one_of, not both")
        case (nil, nil):
            problems.append("\(place): attribute needs equals or one_of")
        }
        return nil
    }

    private static func name(_ value: Any, at place: String, _ problems: inout [String]) -> String? {
        guard let name = scalarText(value), !name.isEmpty else {
            problems.append("\(place): must be a name")
            return nil
        }
        return name
    }

    /// A YAML scalar as text: `5` is `"5"`, `true` is `"true"`.
    static func scalarText(_ value: Any) -> String? {
        switch value {
        case let text as String: text
        case let number as Int: String(number)
        case let number as Double: String(number)
        case let flag as Bool: String(flag)
        default: nil
        }
    }
}
