/// A test waited longer than its deadline for something.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    /// What was awaited.
    public let what: String
    /// How long it was given.
    public let limit: Duration

    /// Creates the error.
    public init(what: String, limit: Duration) {
        self.what = what
        self.limit = limit
    }

    public var description: String { "deadline of \(limit) exceeded waiting for \(what)" }
}

/// Runs `body`, failing with ``DeadlineExceeded`` if it takes longer than `limit`. The body is
/// cancelled at the deadline.
public func withDeadline<T: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw DeadlineExceeded(what: what, limit: limit)
        }
        return value
    }
}

/// Waits until `condition` holds, checking it every few milliseconds, and fails with
/// ``DeadlineExceeded`` after `limit`. For state that offers no event to await.
public func waitUntil(
    _ what: String,
    limit: Duration = .seconds(30),
    _ condition: @escaping @Sendable () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while try await !condition() {
        guard clock.now < deadline else { throw DeadlineExceeded(what: what, limit: limit) }
        try await Task.sleep(for: .milliseconds(20))
    }
}
