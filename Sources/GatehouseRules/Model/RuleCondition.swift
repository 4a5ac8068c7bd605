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

    /// Whether the condition holds for these claims. A rule set compiles its conditions once and
    /// evaluates them faster; this is for a single test.
    public func holds(for claims: SignupClaims) -> Bool {
        var slots = AttributeSlots()
        var values = ValueTable()
        var program = ConditionProgram()
        let root = program.compile(self, slots: &slots, values: &values)
        return program.evaluate(AttributeView(claims, slots: slots, values: values)) { $0.holds(root) }
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
        exact.contains(domain) || Self.parents(of: domain).contains(where: parents.contains)
    }

    /// The domains `domain` is a subdomain of, nearest first.
    static func parents(of domain: String) -> [String] {
        var parents: [String] = []
        var rest = Substring(domain)
        while let dot = rest.firstIndex(of: ".") {
            rest = rest[rest.index(after: dot)...]
            parents.append(String(rest))
        }
        return parents
    }
}
