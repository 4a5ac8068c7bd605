/// Which Microsoft product called, and so which JSON it speaks.
public struct Dialect: Hashable, Sendable, CustomStringConvertible {
    /// The wire name, as recorded in events.
    public let rawValue: String

    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// Entra ID (workforce) self-service sign-up API connectors: no `step` in the body.
    public static let entraWorkforce = Dialect("entraWorkforce")
    /// Azure AD B2C user-flow API connectors: the body carries `step` and `client_id`.
    public static let b2c = Dialect("b2c")
    /// Entra External ID custom authentication extensions (attribute collection start and submit).
    public static let externalID = Dialect("externalId")

    /// Every dialect.
    public static let all: [Dialect] = [.entraWorkforce, .b2c, .externalID]

    /// The dialect with this wire name.
    public init?(rawValue: String) {
        guard let known = Self.all.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = known
    }

    public var description: String { rawValue }
}

/// The point in the sign-up flow where the identity provider called.
public struct SignupStep: Hashable, Sendable, CustomStringConvertible {
    /// The wire name, as recorded in events.
    public let rawValue: String

    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// After federating with an identity provider, before the attribute page (API connectors).
    public static let postFederationSignup = SignupStep("postFederationSignup")
    /// After the attribute page, before the user is created (API connectors).
    public static let postAttributeCollection = SignupStep("postAttributeCollection")
    /// Before the token is sent (B2C API connectors, preview).
    public static let preTokenIssuance = SignupStep("preTokenIssuance")
    /// Before the attribute page renders (External ID `OnAttributeCollectionStart`).
    public static let attributeCollectionStart = SignupStep("attributeCollectionStart")
    /// After the user submits the attribute page (External ID `OnAttributeCollectionSubmit`).
    public static let attributeCollectionSubmit = SignupStep("attributeCollectionSubmit")
    /// The caller named no step, or one Gatehouse does not know; the answer is Continue.
    public static let unknown = SignupStep("unknown")

    /// Every step.
    public static let all: [SignupStep] = [
        .postFederationSignup, .postAttributeCollection, .preTokenIssuance, .attributeCollectionStart,
        .attributeCollectionSubmit, .unknown,
    ]

    /// The step with this wire name.
    public init?(rawValue: String) {
        guard let known = Self.all.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = known
    }

    /// The step for an API connector's `step` value (B2C publishes them capitalised; one document
    /// example says `PreTokenApplicationClaims`).
    public init(apiConnectorStep value: String) {
        switch value.lowercased() {
        case "postfederationsignup": self = .postFederationSignup
        case "postattributecollection": self = .postAttributeCollection
        case "pretokenissuance", "pretokenapplicationclaims": self = .preTokenIssuance
        default: self = .unknown
        }
    }

    /// Whether a validation error may be answered here: only before the user is created.
    public var allowsValidationError: Bool {
        self == .postAttributeCollection || self == .attributeCollectionSubmit
    }

    /// Whether a block page may be answered here: everywhere but before token issuance.
    public var allowsBlock: Bool {
        self != .preTokenIssuance && self != .unknown
    }

    public var description: String { rawValue }
}
