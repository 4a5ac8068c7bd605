/// One call from the identity provider, parsed.
public struct SignupRequest: Sendable {
    /// Which product called.
    public var dialect: Dialect
    /// Where in the flow.
    public var step: SignupStep
    /// The normalised attributes.
    public var claims: SignupClaims
    /// The body exactly as parsed, unknown keys included.
    public var raw: JSONValue
    /// The application the user signs in to, when the caller says.
    public var clientID: String?
    /// The sign-up attempt's correlation id (External ID), which a retry repeats.
    public var correlationID: String?

    public init(
        dialect: Dialect,
        step: SignupStep,
        claims: SignupClaims,
        raw: JSONValue,
        clientID: String? = nil,
        correlationID: String? = nil
    ) {
        self.dialect = dialect
        self.step = step
        self.claims = claims
        self.raw = raw
        self.clientID = clientID
        self.correlationID = correlationID
    }
}

/// A request body that parses as JSON but is not what the dialect expects.
public struct InvalidSignupRequest: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the field.
    public let detail: String

    public init(_ detail: String) { self.detail = detail }

    public var description: String { detail }
}
