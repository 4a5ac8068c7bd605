public import GatehouseSignup

/// One declarative rule: where it applies, when it fires, and what it does.
public struct Rule: Sendable, Hashable {
    /// What a rule does when it fires.
    public enum Action: Sendable, Hashable {
        /// Stops the sign-up with a page showing the message.
        case block(message: LocalizedText, title: LocalizedText?)
        /// Sends the user back to fix the named attributes, each with its message; `message` heads
        /// the page (for API connectors, which show one message, the attribute messages are joined
        /// when it is absent).
        case reject(message: LocalizedText?, attributes: [(name: String, message: LocalizedText)])
        /// Changes attributes, each by its operations in order.
        case rewrite([(name: String, operations: [RewriteOperation])])

        /// The action's name, as written in rules and shown in metrics.
        public var name: String {
            switch self {
            case .block: "block"
            case .reject: "reject"
            case .rewrite: "rewrite"
            }
        }

        public static func == (lhs: Action, rhs: Action) -> Bool {
            switch (lhs, rhs) {
            case (.block(let a, let b), .block(let c, let d)): a == c && b == d
            case (.reject(let a, let b), .reject(let c, let d)):
                a == c && b.map(\.name) == d.map(\.name) && b.map(\.message) == d.map(\.message)
            case (.rewrite(let a), .rewrite(let b)): a.map(\.name) == b.map(\.name) && a.map(\.operations) == b.map(\.operations)
            default: false
            }
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(name) }
    }

    /// The rule's id, unique in its set; recorded in events and metrics.
    public var id: String
    /// The dialects it applies to; empty means all.
    public var dialects: Set<Dialect>
    /// The steps it applies to; never empty once compiled.
    public var steps: Set<SignupStep>
    /// The applications it applies to; empty means all.
    public var clientIDs: Set<String>
    /// When it fires.
    public var condition: RuleCondition
    /// What it does.
    public var action: Action

    public init(
        id: String,
        dialects: Set<Dialect> = [],
        steps: Set<SignupStep>,
        clientIDs: Set<String> = [],
        condition: RuleCondition = .always,
        action: Action
    ) {
        self.id = id
        self.dialects = dialects
        self.steps = steps
        self.clientIDs = clientIDs
        self.condition = condition
        self.action = action
    }
}
