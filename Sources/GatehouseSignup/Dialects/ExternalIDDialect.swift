/// Entra External ID custom authentication extensions for attribute collection: a
/// `microsoft.graph.authenticationEvent.*` envelope in, exactly one action out.
public enum ExternalIDDialect {
    static let startType = "microsoft.graph.authenticationEvent.attributeCollectionStart"
    static let submitType = "microsoft.graph.authenticationEvent.attributeCollectionSubmit"

    /// The step named by an envelope's `type`, or `nil` for a type this endpoint does not handle.
    public static func step(ofType type: String) -> SignupStep? {
        switch type {
        case startType: .attributeCollectionStart
        case submitType: .attributeCollectionSubmit
        default: nil
        }
    }

    /// Parses an envelope. `urlStep` is the step of a step-specific URL; with `nil` the envelope's
    /// `type` decides.
    ///
    /// - Throws: ``InvalidSignupRequest`` naming the missing or mistyped field.
    public static func parse(_ body: JSONValue, urlStep: SignupStep?) throws(InvalidSignupRequest) -> SignupRequest {
        guard let envelope = body.objectValue else {
            throw InvalidSignupRequest("the body must be a JSON object (an authenticationEvent envelope)")
        }
        guard let type = envelope["type"]?.stringValue else {
            throw InvalidSignupRequest("'type' is missing; expected \(startType) or \(submitType)")
        }
        guard let typeStep = step(ofType: type) else {
            throw InvalidSignupRequest("'type' \(type) is not an attribute collection event")
        }
        if let urlStep, urlStep != typeStep {
            throw InvalidSignupRequest("'type' \(type) was sent to the \(urlStep) endpoint")
        }
        guard let data = envelope["data"]?.objectValue else {
            throw InvalidSignupRequest("'data' must be an object")
        }
        let context = data["authenticationContext"]?.objectValue ?? [:]
        var claims = SignupClaims()
        claims.locale = context["client"]?["locale"]?.stringValue
        let signUpInfo = data["userSignUpInfo"]?.objectValue ?? [:]
        if let attributes = signUpInfo["attributes"] {
            guard let attributes = attributes.objectValue else {
                throw InvalidSignupRequest("'data.userSignUpInfo.attributes' must be an object")
            }
            for (name, wrapper) in attributes {
                // Each attribute is {"@odata.type": …, "value": …, "attributeType": …}; accept a bare value too.
                let value = wrapper["value"] ?? wrapper
                guard value.isScalar, value != .null else { continue }
                if let builtIn = SignupClaims.builtIn.first(where: { $0.name == name }) {
                    claims[keyPath: builtIn.keyPath] = value.textValue
                } else {
                    claims.custom[name] = value
                }
            }
        }
        if let identities = signUpInfo["identities"]?.arrayValue {
            claims.identities = identities.compactMap { item in
                guard let fields = item.objectValue else { return nil }
                return SignupIdentity(
                    signInType: fields["signInType"]?.textValue,
                    issuer: fields["issuer"]?.textValue,
                    issuerAssignedId: fields["issuerAssignedId"]?.textValue
                )
            }
        }
        if claims.email == nil {
            // Microsoft's documents use both "emailAddress" and "email" for the sign-in type.
            claims.email = claims.identities.first { $0.signInType == "emailAddress" || $0.signInType == "email" }?.issuerAssignedId
        }
        return SignupRequest(
            dialect: .externalID,
            step: typeStep,
            claims: claims,
            raw: body,
            clientID: context["clientServicePrincipal"]?["appId"]?.stringValue,
            correlationID: context["correlationId"]?.stringValue
        )
    }

    /// Renders a decision as the one-action response envelope, always HTTP 200.
    public static func response(_ decision: SignupDecision, step: SignupStep) -> ConnectorResponse {
        let submit = step != .attributeCollectionStart
        let prefix = submit ? "microsoft.graph.attributeCollectionSubmit." : "microsoft.graph.attributeCollectionStart."
        var action: [String: JSONValue]
        switch decision.allowed(at: step).action {
        case .continue:
            action = ["@odata.type": .string(prefix + "continueWithDefaultBehavior")]
        case .modify(let attributes):
            action =
                submit
                ? ["@odata.type": .string(prefix + "modifyAttributeValues"), "attributes": .object(attributes)]
                : ["@odata.type": .string(prefix + "setPrefillValues"), "inputs": .object(attributes)]
        case .block(let message, let title):
            action = ["@odata.type": .string(prefix + "showBlockPage"), "message": .string(message)]
            if let title { action["title"] = .string(title) }
        case .validationError(let message, let attributeErrors):
            action = [
                "@odata.type": .string(prefix + "showValidationError"), "message": .string(message),
                "attributeErrors": .object(attributeErrors.mapValues(JSONValue.string)),
            ]
        }
        let dataType =
            submit
            ? "microsoft.graph.onAttributeCollectionSubmitResponseData" : "microsoft.graph.onAttributeCollectionStartResponseData"
        return ConnectorResponse(
            status: 200,
            body: .object(["data": .object(["@odata.type": .string(dataType), "actions": .array([.object(action)])])])
        )
    }
}
