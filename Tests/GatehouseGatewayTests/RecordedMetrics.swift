import Metrics
import MetricsTestKit

/// The test process's metrics backend, bootstrapped once on first use, so that tests can read counters
/// such as `gatehouse_auth_failures_total`. Counters are process-wide: compare before and after.
enum RecordedMetrics {
    static let shared: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        return metrics
    }()
}
