import Metrics

/// The notifications worker's metrics, per target.
///
/// `gatehouse_notifications_deliveries_total{target,result}` counts deliveries by result:
/// `delivered`, `retried` (a failure worth retrying), `failed` (a permanent failure) and `duplicate`
/// (delivered on an earlier attempt, so not sent again). `gatehouse_notifications_delivery_seconds{target}`
/// times each attempt.
struct NotificationMetrics: Sendable {
    struct Target: Sendable {
        let delivered: Counter
        let retried: Counter
        let failed: Counter
        let duplicate: Counter
        let latency: Timer
    }

    private let targets: [String: Target]

    init(targets: some Sequence<String>) {
        var byName: [String: Target] = [:]
        for target in targets {
            func deliveries(_ result: String) -> Counter {
                Counter(label: "gatehouse_notifications_deliveries_total", dimensions: [("target", target), ("result", result)])
            }
            byName[target] = Target(
                delivered: deliveries("delivered"), retried: deliveries("retried"), failed: deliveries("failed"),
                duplicate: deliveries("duplicate"),
                latency: Timer(
                    label: "gatehouse_notifications_delivery_seconds", dimensions: [("target", target)], preferredDisplayUnit: .milliseconds
                ))
        }
        self.targets = byName
    }

    subscript(target: String) -> Target? { targets[target] }
}
