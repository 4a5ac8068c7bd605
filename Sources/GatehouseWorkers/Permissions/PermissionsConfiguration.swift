public import GatehouseSignup

/// What the permissions worker grants, and where it pushes group memberships.
public struct PermissionsConfiguration: Sendable {
    /// The grant rules, in order. Every rule whose condition holds grants; none is exclusive.
    public var grants: [GrantRule] = []
    /// The SCIM 2.0 endpoint that receives group memberships; `nil` keeps grants in the store only.
    public var scim: SCIMConfiguration?

    /// The steps after which the user is created and the answer can no longer be undone by a later
    /// step: only their events grant. An earlier step (`postFederationSignup`,
    /// `attributeCollectionStart`) may still be followed by a block or a validation error. `unknown`
    /// (a workforce call without a step) is always answered Continue, so it grants too.
    public static let grantingSteps: Set<SignupStep> = [
        .postAttributeCollection, .attributeCollectionSubmit, .preTokenIssuance, .unknown,
    ]

    public init(grants: [GrantRule] = [], scim: SCIMConfiguration? = nil) {
        self.grants = grants
        self.scim = scim
    }

    /// What a sign-up event grants: nothing unless Gatehouse let it go on (`continue` or `modify`)
    /// at a granting step; otherwise the kind and name of every matching rule, once each, tested on
    /// the claims with the decision's rewritten attributes applied.
    public func grants(for data: JSONValue) -> [(kind: Grant.Kind, name: String)] {
        guard let signup = GrantedSignup(data) else { return [] }
        return grants(for: signup)
    }

    func grants(for signup: GrantedSignup) -> [(kind: Grant.Kind, name: String)] {
        var matched: [(kind: Grant.Kind, name: String)] = []
        for rule in grants where rule.condition.matches(signup.claims) {
            if !matched.contains(where: { $0.kind == rule.kind && $0.name == rule.name }) { matched.append((rule.kind, rule.name)) }
        }
        return matched
    }
}
