import Metrics
import Prometheus

/// The process's metrics backend: Prometheus, with histogram buckets fitted to what Gatehouse times.
enum MetricsBackend {
    /// Bootstraps swift-metrics with Prometheus and returns the registry that `/metrics` serves.
    ///
    /// swift-prometheus's default duration buckets start at 5 ms and jump from 100 to 250 ms. Answers
    /// take about a millisecond, so every one would fall in the first bucket, and the 200 ms budget of
    /// the strictest caller would be no bucket's bound. The request and outbox-commit histograms get
    /// finer buckets, with 200 ms among them; other timers keep the defaults.
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            "gatehouse_http_request_duration_seconds": [
                .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(150),
                .milliseconds(200), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
            ],
            "gatehouse_outbox_commit_seconds": [
                .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .seconds(1),
            ],
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}
