import Metrics
import Synchronization

/// Metric handles by their dimensions, created once: creating a swift-metrics handle asks the backend's
/// registry each time, which is too slow to do on every request.
final class MetricHandles<Handle: Sendable>: Sendable {
    private let handles = Mutex<[[String]: Handle]>([:])
    private let make: @Sendable ([(String, String)]) -> Handle
    private let names: [String]

    init(dimensions names: [String], make: @escaping @Sendable ([(String, String)]) -> Handle) {
        self.names = names
        self.make = make
    }

    /// The handle for these dimension values, in the order of the names given at creation.
    func callAsFunction(_ values: String...) -> Handle {
        if let handle = handles.withLock({ $0[values] }) { return handle }
        let handle = make(Array(zip(names, values)))
        return handles.withLock { handles in
            if let existing = handles[values] { return existing }
            handles[values] = handle
            return handle
        }
    }
}
