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

    private struct State {
        var answers: [String: Answer] = [:]
        var order: [(String, Date)] = []
        /// Calls being answered right now, with the retries waiting for their answer.
        var inFlight: [String: [CheckedContinuation<Answer?, Never>]] = [:]
    }

    private let window: TimeInterval
    private let state = Mutex(State())

    init(window: Duration) {
        self.window = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
    }

    /// Claims a call: returns the earlier answer to the same call, waiting for it if that call is still
    /// being answered (a retry can arrive while the first attempt is being recorded), or `nil` when
    /// this is the first attempt, which must then call ``complete(_:with:)``.
    func claim(_ fingerprint: SignupFingerprint, now: Date = Date()) async -> Answer? {
        while true {
            switch state.withLock({ Self.decide(&$0, fingerprint.hex, now: now, window: window) }) {
            case .answered(let answer):
                return answer
            case .first:
                return nil
            case .wait:
                if let answer = await waitForFirstAttempt(fingerprint.hex) { return answer }
            // The first attempt could not record its event: claim again, and maybe go first.
            }
        }
    }

    private enum Claim {
        case answered(Answer)
        case first
        case wait
    }

    private static func decide(_ state: inout State, _ key: String, now: Date, window: TimeInterval) -> Claim {
        if let answer = state.answers[key], now.timeIntervalSince(answer.at) <= window { return .answered(answer) }
        if state.inFlight[key] != nil { return .wait }
        state.inFlight[key] = []
        return .first
    }

    private func waitForFirstAttempt(_ key: String) async -> Answer? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Answer?, Never>) in
            let finished = state.withLock { state -> Bool in
                guard state.inFlight[key] != nil else { return true }
                state.inFlight[key]!.append(continuation)
                return false
            }
            if finished { continuation.resume(returning: state.withLock { $0.answers[key] }) }
        }
    }

    /// Ends the first attempt of a call: remembers its answer (or `nil` if it was not recorded) and
    /// hands it to the retries that waited for it.
    func complete(_ fingerprint: SignupFingerprint, with answer: Answer?) {
        let waiters = state.withLock { state in
            state.inFlight.removeValue(forKey: fingerprint.hex) ?? []
        }
        if let answer { remember(answer, for: fingerprint) }
        for waiter in waiters { waiter.resume(returning: answer) }
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
