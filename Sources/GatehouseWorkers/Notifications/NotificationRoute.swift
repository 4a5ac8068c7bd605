import GatehouseSignup

/// Which events go to which targets.
///
/// Every filter that is not empty must match; an empty filter matches every event.
///
/// ```swift
/// // Blocked sign-ups to the security team's webhook.
/// NotificationRoute(decisions: ["block"], targets: ["security"])
/// ```
public struct NotificationRoute: Sendable, Hashable {
    /// CloudEvents types (`ce_type`); empty for every type the worker reads.
    public var eventTypes: Set<String> = []
    /// Decision actions of sign-up events (`data.decision.action`: `continue`, `modify`, `block`,
    /// `validationError`); empty for any.
    public var decisions: Set<String> = []
    /// Steps of sign-up events (`data.step`, such as `postAttributeCollection`); empty for any.
    public var steps: Set<String> = []
    /// The names of the targets, keys of ``NotificationsConfiguration/targets``.
    public var targets: [String]

    /// A route to `targets` of the events that pass the filters.
    public init(eventTypes: Set<String> = [], decisions: Set<String> = [], steps: Set<String> = [], targets: [String]) {
        self.eventTypes = eventTypes
        self.decisions = decisions
        self.steps = steps
        self.targets = targets
    }

    /// Whether an event of `type` with `data` takes this route.
    func matches(type: String, data: JSONValue) -> Bool {
        (eventTypes.isEmpty || eventTypes.contains(type))
            && (decisions.isEmpty || data["decision"]?["action"]?.stringValue.map(decisions.contains) == true)
            && (steps.isEmpty || data["step"]?.stringValue.map(steps.contains) == true)
    }
}
