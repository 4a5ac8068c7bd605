extension SignupClaims {
    /// The names of the built-in attributes, as the dialects send them.
    public static let attributeNames: [String] = builtIn.map(\.name)

    /// The name under which an attribute is present: `name` itself, or, for a custom attribute named
    /// without its application part, the one `extension_<appId>_<name>` key that ends with it.
    /// Microsoft lets a returned custom attribute leave out `_<appId>_`, so rules may too.
    public func resolvedName(_ name: String) -> String? {
        if Self.builtIn.contains(where: { $0.name == name }) { return name }
        if custom[name] != nil { return name }
        let suffix = "_" + name
        return custom.keys.first { $0.hasPrefix("extension_") && $0.hasSuffix(suffix) }
    }

    /// Sets or removes an attribute by its wire name. A built-in claim holds text, so a non-string
    /// value is stored as its text; a custom attribute keeps its JSON type.
    public mutating func setAttribute(_ name: String, _ value: JSONValue?) {
        if let builtIn = Self.builtIn.first(where: { $0.name == name }) {
            self[keyPath: builtIn.keyPath] = value?.textValue
        } else {
            custom[name] = value
        }
    }

    /// The domain of the email address, lowercased, or `nil` without an email.
    public var emailDomain: String? {
        guard let email, let at = email.lastIndex(of: "@") else { return nil }
        let domain = email[email.index(after: at)...]
        return domain.isEmpty ? nil : domain.lowercased()
    }
}
