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
public struct SignupClaims: Sendable, Hashable, CanonicalJSONWritable {
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

    /// Appends the claims as a JSON object, canonically (compact, keys sorted): omitted claims are left
    /// out, and custom attributes are under `custom`.
    public func writeCanonical(into output: inout [UInt8]) {
        var members = SortedMembers()
        members.string("city", city, into: &output)
        members.string("country", country, into: &output)
        if !custom.isEmpty {
            members.key("custom", into: &output)
            JSONValue.writeObject(custom, into: &output)
        }
        members.string("displayName", displayName, into: &output)
        members.string("email", email, into: &output)
        members.string("givenName", givenName, into: &output)
        if !identities.isEmpty {
            members.key("identities", into: &output)
            output.append(UInt8(ascii: "["))
            for (index, identity) in identities.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                var fields = SortedMembers()
                fields.string("issuer", identity.issuer, into: &output)
                fields.string("issuerAssignedId", identity.issuerAssignedId, into: &output)
                fields.string("signInType", identity.signInType, into: &output)
                fields.end(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        members.string("jobTitle", jobTitle, into: &output)
        members.string("locale", locale, into: &output)
        members.string("postalCode", postalCode, into: &output)
        members.string("state", state, into: &output)
        members.string("streetAddress", streetAddress, into: &output)
        members.string("surname", surname, into: &output)
        members.end(into: &output)
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
