/// What Gatehouse answers: continue (optionally changing attributes), block, or ask the user to fix
/// fields.
public struct SignupDecision: Sendable, Hashable {
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

    /// The decision as a JSON object, for the event.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["action": .string(actionName), "rules": .array(rules.map(JSONValue.string))]
        object["rule"] = rules.first.map(JSONValue.string) ?? .null
        switch action {
        case .continue:
            break
        case .modify(let attributes):
            object["attributes"] = .object(attributes)
        case .block(let message, let title):
            object["message"] = .string(message)
            if let title { object["title"] = .string(title) }
        case .validationError(let message, let attributeErrors):
            object["message"] = .string(message)
            object["attributeErrors"] = .object(attributeErrors.mapValues(JSONValue.string))
        }
        return .object(object)
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
