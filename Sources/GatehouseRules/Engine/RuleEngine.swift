public import GatehouseSignup
import Synchronization

/// The gateway's decider: the current rule set, swapped whole when the rules are reloaded.
///
/// Deciding reads the current set under a lock held for a pointer copy, so a reload never stalls a
/// request and a request never sees half a rule set.
public final class RuleEngine: SignupDecider {
    private let current: Mutex<RuleSet>

    /// An engine deciding with `ruleSet` until ``replace(with:)`` swaps it.
    public init(_ ruleSet: RuleSet = .empty) {
        self.current = Mutex(ruleSet)
    }

    /// The rule set in use.
    public var ruleSet: RuleSet { current.withLock { $0 } }

    /// Puts a new rule set in use for every call that starts after this returns.
    public func replace(with ruleSet: RuleSet) {
        current.withLock { $0 = ruleSet }
    }

    public func decide(_ request: SignupRequest) -> SignupDecision {
        ruleSet.decide(request)
    }
}
