import Metrics

/// The permissions worker's metrics.
struct PermissionsMetrics: Sendable {
    /// New grants stored, by kind (`gatehouse_permissions_grants_total{kind}`).
    let groups: Counter
    let roles: Counter
    /// SCIM pushes by result (`gatehouse_permissions_scim_pushes_total{result}`): `pushed` (2xx),
    /// `retry` (408, 429, 5xx), `rejected` (any other status), `failed` (no answer, no token, or no
    /// member value).
    let pushed: Counter
    let retry: Counter
    let rejected: Counter
    let failed: Counter

    init(worker: String) {
        func grants(_ kind: Grant.Kind) -> Counter {
            Counter(label: "gatehouse_permissions_grants_total", dimensions: [("worker", worker), ("kind", kind.rawValue)])
        }
        func pushes(_ result: String) -> Counter {
            Counter(label: "gatehouse_permissions_scim_pushes_total", dimensions: [("worker", worker), ("result", result)])
        }
        groups = grants(.group)
        roles = grants(.role)
        pushed = pushes("pushed")
        retry = pushes("retry")
        rejected = pushes("rejected")
        failed = pushes("failed")
    }

    func granted(_ grant: Grant) {
        (grant.kind == .group ? groups : roles).increment()
    }
}
