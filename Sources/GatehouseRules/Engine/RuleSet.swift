public import GatehouseSignup

/// A compiled, immutable set of rules, indexed by dialect and step, that decides a sign-up.
///
/// The order of evaluation is fixed, and documented in the README:
/// 1. **Rewrites** apply first, in rule order; each rule's condition sees the attributes as the rules
///    before it left them.
/// 2. **Validations** (`reject`) run next, on the rewritten attributes. Every rule that fires adds its
///    attributes, so all failing attributes are reported together; for an attribute named twice, the
///    first message wins.
/// 3. **Blocks** run last; the first that fires wins.
///
/// The answer is a block if one fired, otherwise a validation error if any attribute failed,
/// otherwise Continue carrying the rewritten attributes. ``SignupDecision/rules`` names the rule that
/// decided first, then every other rule that fired, in order.
public struct RuleSet: Sendable {
    /// The rules, in the order written.
    public let rules: [Rule]
    /// The language of messages when none of the user's languages has one.
    public let defaultLocale: String
    private let index: [Scope: Phases]

    private struct Scope: Hashable {
        let dialect: Dialect
        let step: SignupStep
    }

    private struct Phases {
        var rewrites: [Rule] = []
        var rejects: [Rule] = []
        var blocks: [Rule] = []
    }

    /// No rules: every sign-up continues unchanged.
    public static let empty = RuleSet(rules: [], defaultLocale: "en")

    public init(rules: [Rule], defaultLocale: String) {
        self.rules = rules
        self.defaultLocale = defaultLocale
        var index: [Scope: Phases] = [:]
        for rule in rules {
            for dialect in rule.dialects.isEmpty ? Set(Dialect.all) : rule.dialects {
                for step in rule.steps {
                    let scope = Scope(dialect: dialect, step: step)
                    switch rule.action {
                    case .rewrite: index[scope, default: Phases()].rewrites.append(rule)
                    case .reject: index[scope, default: Phases()].rejects.append(rule)
                    case .block: index[scope, default: Phases()].blocks.append(rule)
                    }
                }
            }
        }
        self.index = index
    }

    /// The decision for a call. It never blocks and never allocates more than the answer needs.
    public func decide(_ request: SignupRequest) -> SignupDecision {
        guard let phases = index[Scope(dialect: request.dialect, step: request.step)] else { return .continue }
        var claims = request.claims
        var fired: [String] = []

        for rule in phases.rewrites where rule.applies(to: request) && rule.condition.holds(for: claims) {
            guard case .rewrite(let targets) = rule.action else { continue }
            fired.append(rule.id)
            for target in targets {
                let name = claims.resolvedName(target.name) ?? target.name
                let original = claims.attribute(name)
                var value = original
                for operation in target.operations {
                    if let next = operation.apply(to: value, claims: claims) { value = next }
                }
                if let original, let changed = value {
                    // An attribute keeps the type the identity provider sent; a value that cannot have
                    // it is left alone rather than answered with the wrong type.
                    guard let typed = original.coerced(changed) else { continue }
                    value = typed
                }
                if value != original { claims.setAttribute(name, value) }
            }
        }

        let locale = request.claims.locale
        var attributeErrors: [String: String] = [:]
        var errorOrder: [String] = []
        var heading: String?
        var rejecting: [String] = []
        for rule in phases.rejects where rule.applies(to: request) && rule.condition.holds(for: claims) {
            guard case .reject(let message, let attributes) = rule.action else { continue }
            rejecting.append(rule.id)
            for attribute in attributes {
                let name = claims.resolvedName(attribute.name) ?? attribute.name
                guard attributeErrors[name] == nil else { continue }
                attributeErrors[name] = attribute.message.text(locale: locale, claims: claims, value: claims.attribute(name))
                errorOrder.append(name)
            }
            if heading == nil { heading = message?.text(locale: locale, claims: claims) }
        }

        for rule in phases.blocks where rule.applies(to: request) && rule.condition.holds(for: claims) {
            guard case .block(let message, let title) = rule.action else { continue }
            return SignupDecision(
                action: .block(message: message.text(locale: locale, claims: claims), title: title?.text(locale: locale, claims: claims)),
                rules: [rule.id] + rejecting + fired
            )
        }
        if !rejecting.isEmpty {
            let message = heading ?? errorOrder.compactMap { attributeErrors[$0] }.joined(separator: " ")
            return SignupDecision(action: .validationError(message: message, attributeErrors: attributeErrors), rules: rejecting + fired)
        }
        var changes: [String: JSONValue] = [:]
        for name in Set(fired.isEmpty ? [] : Self.names(in: claims)) {
            let value = claims.attribute(name)
            if value != request.claims.attribute(name) { changes[name] = value ?? .null }
        }
        if changes.isEmpty { return SignupDecision(action: .continue, rules: fired) }
        return SignupDecision(action: .modify(changes), rules: fired)
    }

    private static func names(in claims: SignupClaims) -> [String] {
        SignupClaims.attributeNames + Array(claims.custom.keys)
    }
}
