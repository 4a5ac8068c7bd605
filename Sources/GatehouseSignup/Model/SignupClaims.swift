/// One identity of the user at an identity provider.
public struct SignupIdentity: Sendable, Hashable, Codable {
    /// For example `federated` or `emailAddress`.
    public var signInType: String?
    /// For example `google.com`.
    public var issuer: String?
    /// The user's id at the issuer.
    public var issuerAssignedId: String?

    public init(signInType: String? = nil, issuer: String? = nil, issuerAssignedId: String? = nil) {
        self.signInType = signInType
        self.issuer = issuer
        self.issuerAssignedId = issuerAssignedId
    }
}

/// The user's attributes, normalised across the three dialects. Omitted claims stay `nil`.
public struct SignupClaims: Sendable, Hashable {
    public var email: String?
    public var displayName: String?
    public var givenName: String?
    /// Also filled from `lastName`, which one Microsoft example sends instead.
    public var surname: String?
    public var jobTitle: String?
    public var streetAddress: String?
    public var city: String?
    public var postalCode: String?
    public var state: String?
    public var country: String?
    /// The user's locale (`ui_locales`, or External ID's `client.locale`).
    public var locale: String?
    public var identities: [SignupIdentity] = []
    /// Custom attributes (`extension_<appId>_<Name>`) and any other attribute, by name, with their JSON
    /// type kept.
    public var custom: [String: JSONValue] = [:]

    public init() {}

    /// The built-in attribute names and their key paths. Key paths are immutable values; the array is a
    /// constant, so sharing it across tasks is safe even though `WritableKeyPath` is not `Sendable`.
    nonisolated(unsafe) static let builtIn: [(name: String, keyPath: WritableKeyPath<SignupClaims, String?>)] = [
        ("email", \.email), ("displayName", \.displayName), ("givenName", \.givenName), ("surname", \.surname),
        ("jobTitle", \.jobTitle), ("streetAddress", \.streetAddress), ("city", \.city), ("postalCode", \.postalCode),
        ("state", \.state), ("country", \.country),
    ]

    /// An attribute by its wire name: a built-in claim or a custom one.
    public func attribute(_ name: String) -> JSONValue? {
        if let builtIn = Self.builtIn.first(where: { $0.name == name }) {
            return self[keyPath: builtIn.keyPath].map(JSONValue.string)
        }
        return custom[name]
    }

    /// The claims as a JSON object, for the event.
    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        for (name, keyPath) in Self.builtIn {
            if let value = self[keyPath: keyPath] { object[name] = .string(value) }
        }
        if let locale { object["locale"] = .string(locale) }
        if !identities.isEmpty {
            object["identities"] = .array(
                identities.map { identity in
                    var fields: [String: JSONValue] = [:]
                    if let value = identity.signInType { fields["signInType"] = .string(value) }
                    if let value = identity.issuer { fields["issuer"] = .string(value) }
                    if let value = identity.issuerAssignedId { fields["issuerAssignedId"] = .string(value) }
                    return .object(fields)
                }
            )
        }
        if !custom.isEmpty { object["custom"] = .object(custom) }
        return .object(object)
    }

    /// The stable partition key of the user: the lowercased email, otherwise the first identity's
    /// issuer and issuer-assigned id. Both steps of one sign-up give the same key.
    public var userKey: String? {
        if let email, !email.isEmpty { return email.lowercased() }
        if let identity = identities.first(where: { $0.issuer != nil && $0.issuerAssignedId != nil }),
            let issuer = identity.issuer, let id = identity.issuerAssignedId
        {
            return "\(issuer.lowercased())|\(id)"
        }
        return nil
    }
}
