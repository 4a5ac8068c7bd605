import Foundation
import Synchronization

/// Whether the gateway can accept sign-ups: `/readyz` reports it.
final class GatewayHealth: Sendable {
    private let state = Mutex<(lastFailure: Date?, reason: String?)>((nil, nil))
    /// How long after a failure to record the gateway reports itself not ready.
    private let failureMemory: TimeInterval = 30

    func recorded() {
        state.withLock { state in
            if state.lastFailure != nil, Date().timeIntervalSince(state.lastFailure!) > failureMemory {
                state = (nil, nil)
            }
        }
    }

    func recordingFailed(_ reason: String) {
        state.withLock { $0 = (Date(), reason) }
    }

    /// `nil` when ready, else why not.
    var notReadyReason: String? {
        state.withLock { state in
            guard let last = state.lastFailure, Date().timeIntervalSince(last) <= failureMemory else { return nil }
            return state.reason
        }
    }
}
