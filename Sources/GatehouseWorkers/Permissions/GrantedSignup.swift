import GatehouseSignup

/// A sign-up event that Gatehouse let go on at a granting step, with the claims the user ends up
/// with: the recorded claims, then the decision's rewritten attributes on top.
struct GrantedSignup {
    var claims: SignupClaims

    /// `nil` when the event grants nothing: a block or validation error, an earlier step, or data that
    /// is not a sign-up event.
    init?(_ data: JSONValue) {
        guard let action = data["decision"]?["action"]?.stringValue, action == "continue" || action == "modify",
            let step = data["step"]?.stringValue.flatMap(SignupStep.init(rawValue:)), PermissionsConfiguration.grantingSteps.contains(step),
            let recorded = data["claims"]?.objectValue
        else { return nil }
        var claims = SignupClaims()
        for (name, value) in recorded {
            switch name {
            case "custom":
                for (custom, value) in value.objectValue ?? [:] { claims.custom[custom] = value }
            case "identities":
                claims.identities = (value.arrayValue ?? []).map { identity in
                    SignupIdentity(
                        signInType: identity["signInType"]?.stringValue, issuer: identity["issuer"]?.stringValue,
                        issuerAssignedId: identity["issuerAssignedId"]?.stringValue)
                }
            case "locale":
                claims.locale = value.stringValue
            default:
                claims.setAttribute(name, value)
            }
        }
        if action == "modify" {
            for (name, value) in data["decision"]?["attributes"]?.objectValue ?? [:] {
                claims.setAttribute(claims.resolvedName(name) ?? name, value == .null ? nil : value)
            }
        }
        self.claims = claims
    }
}
