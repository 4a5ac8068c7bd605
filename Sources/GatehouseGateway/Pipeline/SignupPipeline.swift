import Foundation
import GatehouseSignup
import Logging
import Metrics

/// The request path, free of HTTP: parse, recognise a retry, decide, record, answer. Nothing here
/// waits on the network except what the configured durability asks for.
final class SignupPipeline: Sendable {
    /// Which family of endpoints received the call, and the step its URL names.
    enum Route: Sendable {
        case apiConnector(SignupStep?)
        case externalID(SignupStep?)

        var name: String {
            switch self {
            case .apiConnector(let step): "connectors/\(step?.rawValue ?? "any")"
            case .externalID(let step): "extensions/\(step?.rawValue ?? "any")"
            }
        }
    }

    private let configuration: GatewayConfiguration
    private let decider: any SignupDecider
    private let recorder: any SignupRecorder
    private let retries: RetryWindow
    private let health: GatewayHealth
    private let logger: Logger
    private let source: String
    private let decisions = MetricHandles(dimensions: ["dialect", "step", "action"]) {
        Counter(label: "gatehouse_signup_decisions_total", dimensions: $0)
    }
    private let ruleDecisions = MetricHandles(dimensions: ["action", "rule"]) {
        Counter(label: "gatehouse_signup_rule_decisions_total", dimensions: $0)
    }
    private let rulesFired = MetricHandles(dimensions: ["rule"]) { Counter(label: "gatehouse_rules_fired_total", dimensions: $0) }
    private let retried = MetricHandles(dimensions: ["dialect"]) { Counter(label: "gatehouse_signup_retries_total", dimensions: $0) }

    init(
        configuration: GatewayConfiguration,
        decider: any SignupDecider,
        recorder: any SignupRecorder,
        retries: RetryWindow,
        health: GatewayHealth,
        logger: Logger
    ) {
        self.configuration = configuration
        self.decider = decider
        self.recorder = recorder
        self.retries = retries
        self.health = health
        self.logger = logger
        self.source = "/gatehouse/\(configuration.instance)"
    }

    /// Handles one call's body.
    func handle(_ route: Route, body: some Collection<UInt8>, traceparent: String?) async -> ConnectorAnswer {
        let received = Date()
        let clock = ContinuousClock.now
        let request: SignupRequest
        do {
            let json = try JSONValue.parse(body)
            switch route {
            case .apiConnector(let step): request = try APIConnectorDialect.parse(json, urlStep: step)
            case .externalID(let step): request = try ExternalIDDialect.parse(json, urlStep: step)
            }
        } catch let error as MalformedJSON {
            return GatewayProblem.malformedJSON(error.detail).answer
        } catch {
            return GatewayProblem.invalidRequest("\(error)").answer
        }

        // The body written canonically once: hashed for the fingerprint, and spliced into the event.
        let canonicalRaw = request.raw.canonicalBytes()
        let fingerprint = SignupFingerprint(request, canonicalRaw: canonicalRaw)
        if let earlier = await retries.claim(fingerprint, now: received) {
            retried(request.dialect.rawValue).increment()
            logger.debug("Identity-provider retry answered again", metadata: ["event.id": "\(earlier.eventID)"])
            return ConnectorAnswer(status: earlier.status, body: earlier.body)
        }

        let decision = decider.decide(request).allowed(at: request.step)
        let response = request.response(to: decision)
        var answer = ConnectorAnswer(status: response.status, body: response.body.canonicalBytes())
        let eventID = RandomID.uuid()
        let userKey = request.claims.userKey ?? "anonymous|\(fingerprint.hex.prefix(32))"
        let event = SignupEvent(
            id: eventID,
            source: source,
            time: received,
            request: request,
            decision: decision,
            userKey: userKey,
            durability: configuration.durability.rawValue,
            traceparent: TraceContext.traceparent(from: traceparent),
            latency: ContinuousClock.now - clock,
            canonicalRaw: canonicalRaw
        )
        do {
            try await recorder.record(event, fingerprint: fingerprint, answer: answer)
            health.recorded()
        } catch {
            retries.complete(fingerprint, with: nil)
            health.recordingFailed("\(error)")
            Counter(label: "gatehouse_signup_unrecorded_total", dimensions: [("policy", configuration.onUnavailable.rawValue)]).increment()
            logger.critical(
                "A sign-up could not be recorded; answering per on_unavailable",
                metadata: ["event.id": "\(eventID)", "policy": "\(configuration.onUnavailable)", "error": "\(error)"]
            )
            if configuration.onUnavailable == .block {
                let blocked = SignupDecision(action: .block(message: configuration.unavailableMessage, title: nil))
                let rendered = request.response(to: blocked)
                answer = ConnectorAnswer(status: rendered.status, body: rendered.body.canonicalBytes())
            }
            return answer
        }
        retries.complete(fingerprint, with: .init(eventID: eventID, status: answer.status, body: answer.body, at: received))
        decisions(request.dialect.rawValue, request.step.rawValue, decision.actionName).increment()
        ruleDecisions(decision.actionName, decision.rules.first ?? "none").increment()
        for rule in decision.rules { rulesFired(rule).increment() }
        logger.debug(
            "Sign-up answered",
            metadata: [
                "event.id": "\(eventID)", "dialect": "\(request.dialect)", "step": "\(request.step)",
                "action": "\(decision.actionName)", "rules": "\(decision.rules.joined(separator: ","))",
            ]
        )
        return answer
    }
}
