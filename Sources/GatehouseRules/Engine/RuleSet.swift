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
    private let slots: AttributeSlots
    private let values: ValueTable
    private let program: ConditionProgram

    private struct Scope: Hashable {
        let dialect: Dialect
        let step: SignupStep
    }

    private struct Phases: Sendable {
        var rewrites = Phase()
        var rejects = Phase()
        var blocks = Phase()
    }

    /// The rules of one action in one scope, as parallel arrays, so that walking a thousand of them
    /// per decision reads integers and touches a rule only when it fires.
    private struct Phase: Sendable {
        var rules: [Rule] = []
        var roots: [Int32] = []
        var scoped: [Bool] = []

        mutating func append(_ rule: Rule, root: Int32) {
            rules.append(rule)
            roots.append(root)
            scoped.append(!rule.clientIDs.isEmpty)
        }

        /// Whether rule `index` is in scope for the caller's application and its condition holds.
        func fires(_ index: Int, _ request: SignupRequest, _ evaluator: ConditionProgram.Evaluator) -> Bool {
            if scoped[index], !(request.clientID.map(rules[index].clientIDs.contains) ?? false) { return false }
            return evaluator.holds(roots[index])
        }
    }

    /// No rules: every sign-up continues unchanged.
    public static let empty = RuleSet(rules: [], defaultLocale: "en")

    public init(rules: [Rule], defaultLocale: String) {
        self.rules = rules
        self.defaultLocale = defaultLocale
        var index: [Scope: Phases] = [:]
        var slots = AttributeSlots()
        var values = ValueTable()
        var program = ConditionProgram()
        for rule in rules {
            let root = program.compile(rule.condition, slots: &slots, values: &values)
            for dialect in rule.dialects.isEmpty ? Set(Dialect.all) : rule.dialects {
                for step in rule.steps {
                    let scope = Scope(dialect: dialect, step: step)
                    switch rule.action {
                    case .rewrite: index[scope, default: Phases()].rewrites.append(rule, root: root)
                    case .reject: index[scope, default: Phases()].rejects.append(rule, root: root)
                    case .block: index[scope, default: Phases()].blocks.append(rule, root: root)
                    }
                }
            }
        }
        self.index = index
        self.slots = slots
        self.values = values
        self.program = program
    }

    /// The decision for a call. It never blocks and never allocates more than the answer needs.
    public func decide(_ request: SignupRequest) -> SignupDecision {
        guard let phases = index[Scope(dialect: request.dialect, step: request.step)] else { return .continue }
        var claims = request.claims
        var view = AttributeView(claims, slots: slots, values: values)
        var fired: [String] = []

        for index in phases.rewrites.rules.indices {
            // Each rewrite may change what the next one sees, so each gets a fresh look.
            guard program.evaluate(view, { phases.rewrites.fires(index, request, $0) }) else { continue }
            let rule = phases.rewrites.rules[index]
            guard case .rewrite(let targets) = rule.action else { continue }
            fired.append(rule.id)
            var changed = false
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
                if value != original {
                    claims.setAttribute(name, value)
                    changed = true
                }
            }
            // Later conditions see the rewritten attributes.
            if changed { view = AttributeView(claims, slots: slots, values: values) }
        }

        let locale = request.claims.locale
        var attributeErrors: [String: String] = [:]
        var errorOrder: [String] = []
        var heading: String?
        var rejecting: [String] = []
        let rejections = program.evaluate(view) { evaluator in
            phases.rejects.rules.indices.filter { phases.rejects.fires($0, request, evaluator) }
        }
        for index in rejections {
            let rule = phases.rejects.rules[index]
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

        let blocking = program.evaluate(view) { evaluator in
            phases.blocks.rules.indices.first { phases.blocks.fires($0, request, evaluator) }
        }
        if let index = blocking {
            let rule = phases.blocks.rules[index]
            guard case .block(let message, let title) = rule.action else { return .continue }
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
