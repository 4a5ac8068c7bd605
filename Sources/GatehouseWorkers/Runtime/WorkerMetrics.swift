import Metrics

/// A worker runner's metrics, labelled with the worker's name.
struct WorkerMetrics: Sendable {
    /// Events by what became of them: done, retried, dead_lettered, duplicate (completed before),
    /// skipped (a type the worker does not handle), failed (the handler threw).
    let done: Counter
    let retried: Counter
    let deadLettered: Counter
    let duplicate: Counter
    let skipped: Counter
    let failed: Counter
    /// How long handlers take.
    let latency: Timer
    /// Messages not yet read across the worker's topics.
    let lag: Gauge

    init(worker: String) {
        func events(_ outcome: String) -> Counter {
            Counter(label: "gatehouse_worker_events_total", dimensions: [("worker", worker), ("outcome", outcome)])
        }
        done = events("done")
        retried = events("retried")
        deadLettered = events("dead_lettered")
        duplicate = events("duplicate")
        skipped = events("skipped")
        failed = events("failed")
        latency = Timer(label: "gatehouse_worker_handle_seconds", dimensions: [("worker", worker)], preferredDisplayUnit: .milliseconds)
        lag = Gauge(label: "gatehouse_worker_lag", dimensions: [("worker", worker)])
    }
}
