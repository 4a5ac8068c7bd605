/// Entra workforce and Azure AD B2C API connectors: a flat object of Graph user properties in, a
/// `{"version":"1.0.0","action":…}` object out.
public enum APIConnectorDialect {
    /// Parses a body. The step comes from the URL when it has one, else from the body's `step`.
    ///
    /// - Throws: ``InvalidSignupRequest`` when the body is not an object or a known field has the
    ///   wrong type.
    public static func parse(_ body: JSONValue, urlStep: SignupStep?) throws(InvalidSignupRequest) -> SignupRequest {
        guard let object = body.objectValue else {
            throw InvalidSignupRequest("the body must be a JSON object of user attributes")
        }
        let bodyStep = object["step"]?.stringValue
        // B2C publishes `step` and `client_id`; workforce tenants send neither.
        // B2C's pre-token example spells the client id `clientId`.
        let clientID = object["client_id"]?.textValue ?? object["clientId"]?.textValue
        let dialect: Dialect = (bodyStep != nil || clientID != nil) ? .b2c : .entraWorkforce
        let step = urlStep ?? bodyStep.map(SignupStep.init(apiConnectorStep:)) ?? .unknown

        var claims = SignupClaims()
        for (name, keyPath) in SignupClaims.builtIn {
            claims[keyPath: keyPath] = try string(object, name)
        }
        if claims.surname == nil { claims.surname = try string(object, "lastName") }
        claims.locale = try string(object, "ui_locales")
        if let identities = object["identities"] {
            guard let list = identities.arrayValue else {
                throw InvalidSignupRequest("'identities' must be an array of {signInType, issuer, issuerAssignedId}")
            }
            claims.identities = list.compactMap { item in
                guard let fields = item.objectValue else { return nil }
                return SignupIdentity(
                    signInType: fields["signInType"]?.textValue,
                    issuer: fields["issuer"]?.textValue,
                    issuerAssignedId: fields["issuerAssignedId"]?.textValue
                )
            }
        }
        for (name, value) in object where !known.contains(name) && value.isScalar && value != .null {
            claims.custom[name] = value
        }
        return SignupRequest(
            dialect: dialect,
            step: step,
            claims: claims,
            raw: body,
            clientID: clientID
        )
    }

    /// The members read above; every other scalar member is a custom attribute.
    private static let known: Set<String> = Set(SignupClaims.builtIn.map(\.name)).union([
        "lastName", "ui_locales", "identities", "step", "client_id", "clientId", "objectId",
    ])

    private static func string(_ object: [String: JSONValue], _ name: String) throws(InvalidSignupRequest) -> String? {
        guard let value = object[name] else { return nil }
        switch value {
        case .null: return nil
        case .string(let text): return text
        case .int, .double, .bool: return value.textValue
        default: throw InvalidSignupRequest("'\(name)' must be a string")
        }
    }

    /// Renders a decision. A decision the step does not allow is rendered as Continue.
    public static func response(_ decision: SignupDecision, step: SignupStep) -> ConnectorResponse {
        switch decision.allowed(at: step).action {
        case .continue:
            return ConnectorResponse(status: 200, body: .object(["version": "1.0.0", "action": "Continue"]))
        case .modify(let attributes):
            var body: [String: JSONValue] = attributes
            body["version"] = "1.0.0"
            body["action"] = "Continue"
            return ConnectorResponse(status: 200, body: .object(body))
        case .block(let message, _):
            return ConnectorResponse(
                status: 200,
                body: .object(["version": "1.0.0", "action": "ShowBlockPage", "userMessage": .string(message)])
            )
        case .validationError(let message, _):
            return ConnectorResponse(
                status: 400,
                body: .object([
                    "version": "1.0.0", "status": .int(400), "action": "ValidationError", "userMessage": .string(message),
                ])
            )
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
