import DequeModule
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
///
/// At most ``maxAnswers`` answers are kept (100,000 by default, some 40 MB). Sign-ups at a rate that
/// would exceed it within the window (over 160 a second for ten minutes) have the oldest answers
/// forgotten early, which only shortens the window for them.
final class RetryWindow: Sendable {
    struct Answer: Sendable {
        var eventID: String
        var status: Int
        var body: [UInt8]
        var at: Date
    }

    private struct State {
        var answers: [String: Answer] = [:]
        var order: Deque<(String, Date)> = []
        /// Calls being answered right now, with the retries waiting for their answer.
        var inFlight: [String: [CheckedContinuation<Answer?, Never>]] = [:]
    }

    private let window: TimeInterval
    /// The most answers remembered at once.
    let maxAnswers: Int
    private let state = Mutex(State())

    init(window: Duration, maxAnswers: Int = 100_000) {
        self.window = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        self.maxAnswers = max(maxAnswers, 1)
    }

    /// How many answers are remembered.
    var count: Int { state.withLock { $0.answers.count } }

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
        var answer = answer
        // An exact-size copy: the answer was written into a buffer with room to spare.
        answer.body = [UInt8](unsafeUninitializedCapacity: answer.body.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: answer.body)
        }
        state.withLock { state in
            state.answers[fingerprint.hex] = answer
            state.order.append((fingerprint.hex, answer.at))
            let cutoff = answer.at.addingTimeInterval(-window)
            while let (key, at) = state.order.first, at < cutoff || state.order.count > maxAnswers {
                state.order.removeFirst()
                // A key answered again later has a newer entry further on; keep its answer for that one.
                if let current = state.answers[key], current.at <= at { state.answers[key] = nil }
            }
        }
    }
}
