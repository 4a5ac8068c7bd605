public import GatehouseSignup

/// When a rule fires: a test of the sign-up's attributes, or a combination of tests.
///
/// Text comparisons use an attribute's text, so the integer `5` equals `"5"`. Lists (`one_of`, named
/// lists, domains and issuers) compare without regard to case.
public indirect enum RuleCondition: Sendable, Hashable {
    /// Always true: a rule without `when`.
    case always
    /// The email's domain is one of these, exactly or (for entries written `*.example.com`) as a
    /// subdomain.
    case emailDomain(DomainSet)
    /// One of the user's identities was issued by one of these (such as `google.com`).
    case issuer(Set<String>)
    /// The attribute was sent with a non-empty value.
    case present(String)
    /// The attribute was not sent, or is empty.
    case missing(String)
    /// The attribute's text equals this text.
    case equals(String, String, ignoreCase: Bool)
    /// The attribute's text, lowercased, is in this set.
    case oneOf(String, Set<String>)
    /// The pattern occurs in the attribute's text. A missing attribute does not match.
    case matches(String, RulePattern)
    /// The attribute's length in characters is within the bounds. A missing attribute has length 0.
    case length(String, min: Int?, max: Int?)
    /// Every condition holds.
    case all([RuleCondition])
    /// At least one condition holds.
    case any([RuleCondition])
    /// The condition does not hold.
    case not(RuleCondition)

    /// Whether the condition holds for these claims.
    public func holds(for claims: SignupClaims) -> Bool {
        switch self {
        case .always:
            return true
        case .emailDomain(let domains):
            return claims.emailDomain.map(domains.contains) ?? false
        case .issuer(let issuers):
            return claims.identities.contains { $0.issuer.map { issuers.contains($0.lowercased()) } ?? false }
        case .present(let name):
            return !(Self.text(name, claims) ?? "").isEmpty
        case .missing(let name):
            return (Self.text(name, claims) ?? "").isEmpty
        case .equals(let name, let expected, let ignoreCase):
            guard let text = Self.text(name, claims) else { return false }
            return ignoreCase ? text.lowercased() == expected.lowercased() : text == expected
        case .oneOf(let name, let values):
            guard let text = Self.text(name, claims) else { return false }
            return values.contains(text.lowercased())
        case .matches(let name, let pattern):
            guard let text = Self.text(name, claims) else { return false }
            return pattern.matches(text)
        case .length(let name, let min, let max):
            let count = Self.text(name, claims)?.count ?? 0
            return count >= (min ?? 0) && count <= (max ?? .max)
        case .all(let conditions):
            return conditions.allSatisfy { $0.holds(for: claims) }
        case .any(let conditions):
            return conditions.contains { $0.holds(for: claims) }
        case .not(let condition):
            return !condition.holds(for: claims)
        }
    }

    private static func text(_ name: String, _ claims: SignupClaims) -> String? {
        claims.resolvedName(name).flatMap { claims.attribute($0)?.textValue }
    }
}

/// Email domains: exact ones, and parents whose every subdomain matches.
public struct DomainSet: Sendable, Hashable {
    /// Domains that match exactly, lowercased.
    public var exact: Set<String> = []
    /// Domains whose subdomains match (written `*.example.com`), lowercased, without `*.`.
    public var parents: Set<String> = []

    public init() {}

    /// Adds an entry: `example.com` or `*.example.com`.
    public mutating func insert(_ entry: String) {
        let entry = entry.lowercased()
        if entry.hasPrefix("*.") {
            parents.insert(String(entry.dropFirst(2)))
        } else {
            exact.insert(entry)
        }
    }

    /// Whether a lowercased domain matches.
    public func contains(_ domain: String) -> Bool {
        if exact.contains(domain) { return true }
        guard !parents.isEmpty else { return false }
        var rest = Substring(domain)
        while let dot = rest.firstIndex(of: ".") {
            rest = rest[rest.index(after: dot)...]
            if parents.contains(String(rest)) { return true }
        }
        return false
    }
}
