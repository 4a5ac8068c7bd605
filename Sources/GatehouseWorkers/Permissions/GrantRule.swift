public import GatehouseSignup

/// A configured rule: when a sign-up meets the condition, the user gets the group or role.
///
/// ```swift
/// let rules = [
///     GrantRule(when: .emailDomain(["contoso.com", "*.contoso.com"]), kind: .group, name: "staff"),
///     GrantRule(when: .attribute("Department", equals: "Sales"), kind: .role, name: "sales"),
/// ]
/// ```
public struct GrantRule: Sendable, Hashable {
    /// What the sign-up must show.
    public var condition: Condition
    /// What the user gets.
    public var kind: Grant.Kind
    /// The group's or role's name.
    public var name: String

    public init(when condition: Condition, kind: Grant.Kind, name: String) {
        self.condition = condition
        self.kind = kind
        self.name = name
    }

    /// A grant rule's condition, tested against the sign-up's claims.
    public struct Condition: Sendable, Hashable {
        private enum Test: Sendable, Hashable {
            case emailDomain(exact: Set<String>, parents: Set<String>)
            case attribute(name: String, values: Set<String>)
        }

        private let test: Test

        /// The email's domain is one of `domains` (case-insensitive): `contoso.com` matches that domain
        /// exactly, `*.contoso.com` any of its subdomains (but not `contoso.com` itself).
        public static func emailDomain(_ domains: [String]) -> Condition {
            var exact: Set<String> = []
            var parents: Set<String> = []
            for domain in domains.map({ $0.lowercased() }) {
                if domain.hasPrefix("*.") { parents.insert(String(domain.dropFirst(2))) } else { exact.insert(domain) }
            }
            return Condition(test: .emailDomain(exact: exact, parents: parents))
        }

        /// The attribute, compared as text and ignoring case, equals `value`.
        ///
        /// A built-in claim (`country`, `jobTitle`, …) or a custom attribute, by its full name
        /// (`extension_<appId>_Department`) or by the part after `extension_<appId>_` (`Department`).
        public static func attribute(_ name: String, equals value: String) -> Condition {
            attribute(name, oneOf: [value])
        }

        /// The attribute, compared as text and ignoring case, is one of `values`.
        public static func attribute(_ name: String, oneOf values: [String]) -> Condition {
            Condition(test: .attribute(name: name, values: Set(values.map { $0.lowercased() })))
        }

        /// Whether `claims` meet the condition.
        public func matches(_ claims: SignupClaims) -> Bool {
            switch test {
            case .emailDomain(let exact, let parents):
                guard let domain = claims.emailDomain else { return false }
                if exact.contains(domain) { return true }
                var rest = Substring(domain)
                while let dot = rest.firstIndex(of: ".") {
                    rest = rest[rest.index(after: dot)...]
                    if parents.contains(String(rest)) { return true }
                }
                return false
            case .attribute(let name, let values):
                guard let text = claims.resolvedName(name).flatMap({ claims.attribute($0)?.textValue }) else { return false }
                return values.contains(text.lowercased())
            }
        }
    }
}
