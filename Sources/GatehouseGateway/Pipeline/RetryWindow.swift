import Foundation
import GatehouseSignup
import Synchronization

/// Remembers recent answers by request fingerprint, so that an identity-provider retry of the same call
/// gets the same answer and the same event id instead of becoming a second sign-up.
///
/// The window (``GatewayConfiguration/retryWindow``, 10 minutes by default) is far longer than any
/// Microsoft retry (at most 20 s) and far shorter than the hours between two real sign-ups of one
/// person. With local durability the outbox keeps fingerprints too, and a restarted gateway loads the
/// window back from it.
final class RetryWindow: Sendable {
    struct Answer: Sendable {
        var eventID: String
        var status: Int
        var body: [UInt8]
        var at: Date
    }

    private let window: TimeInterval
    private let state = Mutex<(answers: [String: Answer], order: [(String, Date)])>(([:], []))

    init(window: Duration) {
        self.window = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
    }

    /// The answer given to the same call within the window, if any.
    func answer(for fingerprint: SignupFingerprint, now: Date = Date()) -> Answer? {
        state.withLock { state in
            guard let answer = state.answers[fingerprint.hex], now.timeIntervalSince(answer.at) <= window else { return nil }
            return answer
        }
    }

    /// Remembers an answer, and forgets those that fell out of the window.
    func remember(_ answer: Answer, for fingerprint: SignupFingerprint) {
        state.withLock { state in
            state.answers[fingerprint.hex] = answer
            state.order.append((fingerprint.hex, answer.at))
            let cutoff = answer.at.addingTimeInterval(-window)
            var expired = 0
            while expired < state.order.count, state.order[expired].1 < cutoff {
                let key = state.order[expired].0
                if let current = state.answers[key], current.at < cutoff { state.answers[key] = nil }
                expired += 1
            }
            if expired > 0 { state.order.removeFirst(expired) }
        }
    }
}
