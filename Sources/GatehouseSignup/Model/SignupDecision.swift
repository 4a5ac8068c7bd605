/// What Gatehouse answers: continue (optionally changing attributes), block, or ask the user to fix
/// fields.
public struct SignupDecision: Sendable, Hashable, CanonicalJSONWritable {
    /// The answer itself.
    public enum Action: Sendable, Hashable {
        /// Let the sign-up go on unchanged.
        case `continue`
        /// Let it go on with these attributes set (prefill, override, or token claims, by step).
        case modify([String: JSONValue])
        /// Stop the sign-up with a page showing `message`.
        case block(message: String, title: String?)
        /// Send the user back to the attribute page with `message` and per-attribute errors.
        case validationError(message: String, attributeErrors: [String: String])
    }

    /// The answer.
    public var action: Action
    /// The ids of the rules that produced it, in the order they fired.
    public var rules: [String]

    public init(action: Action, rules: [String] = []) {
        self.action = action
        self.rules = rules
    }

    /// Continue, unchanged: the default answer.
    public static let `continue` = SignupDecision(action: .continue)

    /// The action's wire name, as recorded in events and metrics.
    public var actionName: String {
        switch action {
        case .continue: "continue"
        case .modify: "modify"
        case .block: "block"
        case .validationError: "validationError"
        }
    }

    /// Appends the decision as a JSON object, canonically (compact, keys sorted): the action, the rules
    /// that fired and the first of them as `rule` (`null` for none), and the action's details.
    public func writeCanonical(into output: inout [UInt8]) {
        var members = SortedMembers()
        members.string("action", actionName, into: &output)
        switch action {
        case .continue:
            break
        case .modify(let attributes):
            members.key("attributes", into: &output)
            JSONValue.writeObject(attributes, into: &output)
        case .block(let message, _):
            members.string("message", message, into: &output)
        case .validationError(let message, let attributeErrors):
            members.key("attributeErrors", into: &output)
            JSONValue.writeObject(attributeErrors.mapValues(JSONValue.string), into: &output)
            members.string("message", message, into: &output)
        }
        members.stringOrNull("rule", rules.first, into: &output)
        members.key("rules", into: &output)
        JSONValue.array(rules.map(JSONValue.string)).writeCanonical(into: &output)
        if case .block(_, let title?) = action { members.string("title", title, into: &output) }
        members.end(into: &output)
    }

    /// The decision a step can carry: a block where blocking is not allowed, or a validation error
    /// where it is not allowed, becomes Continue (the rules' configuration check rejects such rules, so
    /// this is a last line of defence, not a policy).
    public func allowed(at step: SignupStep) -> SignupDecision {
        switch action {
        case .block where !step.allowsBlock, .validationError where !step.allowsValidationError:
            return SignupDecision(action: .continue, rules: rules)
        case .modify where step == .unknown:
            return SignupDecision(action: .continue, rules: rules)
        default:
            return self
        }
    }
}
