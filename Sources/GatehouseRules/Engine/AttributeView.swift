import GatehouseSignup

/// The attributes a rule set tests, looked up once per decision and then read by slot number.
///
/// Rule conditions are compiled against slots and against ``ValueTable`` numbers, so a decision
/// hashes each of the user's values once, and a thousand rules cost a thousand integer comparisons
/// rather than a thousand string hashes.
struct AttributeView: Sendable {
    /// The text of each slot's attribute, `nil` when it was not sent.
    var text: [String?]
    /// The table number of each slot's text as sent, or -1 when the table has no such text.
    var exact: [Int]
    /// The table number of each slot's text lowercased, or -1.
    var folded: [Int]
    /// The table numbers of the email's domain and of every domain it is a subdomain of.
    var domain: Int
    var parentDomains: [Int]
    /// The table numbers of the user's identity issuers, lowercased.
    var issuers: [Int]

    init(_ claims: SignupClaims, slots: AttributeSlots, values: ValueTable) {
        text = slots.names.map { name in claims.resolvedName(name).flatMap { claims.attribute($0)?.textValue } }
        exact = zip(text, slots.readsExact).map { value, reads in reads ? values.number(value) : -1 }
        folded = zip(text, slots.readsFolded).map { value, reads in reads ? values.number(value?.lowercased()) : -1 }
        let emailDomain = claims.emailDomain
        domain = values.number(emailDomain)
        parentDomains = emailDomain.map { DomainSet.parents(of: $0).map(values.number) } ?? []
        issuers = claims.identities.compactMap { $0.issuer.map { values.number($0.lowercased()) } }
    }
}

/// The attribute names a rule set tests, numbered, with which forms of their text it reads.
struct AttributeSlots: Sendable {
    private(set) var names: [String] = []
    private(set) var readsExact: [Bool] = []
    private(set) var readsFolded: [Bool] = []
    private var numbers: [String: Int] = [:]

    /// The slot of `name`, added if new.
    mutating func slot(_ name: String, exact: Bool = false, folded: Bool = false) -> Int {
        let number: Int
        if let known = numbers[name] {
            number = known
        } else {
            names.append(name)
            readsExact.append(false)
            readsFolded.append(false)
            number = names.count - 1
            numbers[name] = number
        }
        if exact { readsExact[number] = true }
        if folded { readsFolded[number] = true }
        return number
    }
}

/// Every text a rule set compares with, numbered.
struct ValueTable: Sendable {
    private var numbers: [String: Int] = [:]

    /// The number of a text the rules mention, adding it.
    mutating func intern(_ text: String) -> Int {
        if let number = numbers[text] { return number }
        numbers[text] = numbers.count
        return numbers.count - 1
    }

    /// The number of a user's text, or -1 when no rule mentions it (so it equals nothing).
    func number(_ text: String?) -> Int {
        text.flatMap { numbers[$0] } ?? -1
    }
}
