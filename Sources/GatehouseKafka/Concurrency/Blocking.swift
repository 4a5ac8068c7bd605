import Dispatch

/// Runs blocking work (SQLite, file I/O, waiting on a writer thread) on a Dispatch thread, never on
/// the cooperative pool, whose few threads must stay free for request handling.
public enum Blocking {
    /// Runs `body` on a Dispatch thread and returns its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on a Dispatch thread.
    public static func run(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                body()
                continuation.resume()
            }
        }
    }
}
