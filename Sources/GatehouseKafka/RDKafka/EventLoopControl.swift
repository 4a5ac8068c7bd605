import Synchronization

/// Stops one event-loop thread: a flag the loop checks between events, plus the thread to join.
final class EventLoopControl: Sendable {
    private let stopRequested = Atomic<Bool>(false)
    private let thread = Mutex<DedicatedThread?>(nil)
    private let client: RDKafkaClient

    init(client: RDKafkaClient) {
        self.client = client
    }

    /// Whether the loop should exit before its next poll.
    var shouldStop: Bool { stopRequested.load(ordering: .acquiring) }

    /// Starts the loop body on its own thread.
    func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let started = DedicatedThread.start(name: name, body)
        thread.withLock { $0 = started }
    }

    /// Asks the loop to exit and wakes it if it is blocked in a poll.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        client.wakeEventLoop()
    }

    /// Asks the loop to exit and waits until it has.
    func stop() async {
        requestStop()
        await thread.withLock { $0 }?.join()
    }
}
