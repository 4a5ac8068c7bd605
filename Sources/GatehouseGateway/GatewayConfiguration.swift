/// How the gateway listens, authenticates, and makes sign-ups durable.
public struct GatewayConfiguration: Sendable {
    /// When an answer counts as recorded.
    public struct Durability: Sendable, Hashable, CustomStringConvertible {
        /// The wire name: `local`, `kafka` or `none`.
        public let rawValue: String

        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The event is in the local outbox and fsync'd before the answer (default).
        public static let local = Durability("local")
        /// The answer waits for the brokers' acknowledgement.
        public static let kafka = Durability("kafka")
        /// The event is handed to librdkafka's memory queue: fastest, and lost if the process dies.
        public static let none = Durability("none")

        /// The durability with this wire name.
        public init?(rawValue: String) {
            guard let known = [Self.local, .kafka, .none].first(where: { $0.rawValue == rawValue }) else { return nil }
            self = known
        }

        public var description: String { rawValue }

        /// The producer's `linger.ms` when the configuration sets none: 1 ms where each answer waits
        /// for the brokers (`kafka`), else librdkafka's own 5 ms, which batches more for less CPU
        /// (durability none: about 6% more requests a second in bench/gateway.sh).
        public var defaultLinger: Duration { self == .kafka ? .milliseconds(1) : .milliseconds(5) }
    }

    /// What the gateway answers when it cannot record a sign-up.
    public struct OnUnavailable: Sendable, Hashable, CustomStringConvertible {
        /// The wire name: `continue` or `block`.
        public let rawValue: String

        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// Answer as if the sign-up were recorded, and say so loudly in logs and metrics.
        public static let `continue` = OnUnavailable("continue")
        /// Block the sign-up with ``GatewayConfiguration/unavailableMessage`` where the step allows it.
        public static let block = OnUnavailable("block")

        /// The policy with this wire name.
        public init?(rawValue: String) {
            guard let known = [Self.continue, .block].first(where: { $0.rawValue == rawValue }) else { return nil }
            self = known
        }

        public var description: String { rawValue }
    }

    /// The address to bind.
    public var host: String = "127.0.0.1"
    /// The port to bind; 0 picks a free one.
    public var port: Int = 8080
    /// The largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int = 64 * 1024
    /// When an answer counts as recorded.
    public var durability: Durability = .local
    /// What to answer when the sign-up cannot be recorded.
    public var onUnavailable: OnUnavailable = .continue
    /// The block message for ``OnUnavailable/block``.
    public var unavailableMessage: String = "Sign-up is temporarily unavailable. Please try again in a few minutes."
    /// The most unpublished events the outbox holds (local durability); past it the gateway follows
    /// ``onUnavailable``.
    public var outboxMaxRecords: Int = 1_000_000
    /// The Kafka topic of sign-up events (the audit stream).
    public var topic: String = "gatehouse.signups.v1"
    /// This gateway's name in `ce_source` (`/gatehouse/<instance>`).
    public var instance: String = "gateway"
    /// How long a repeated identical call counts as the identity provider's retry of the same sign-up.
    /// Entra retries once after 20 s (workforce) or 5–10 s (B2C); External ID within 2 s.
    public var retryWindow: Duration = .seconds(600)
    /// Credentials for the API-connector routes (`/v1/connectors…`). Empty means no authentication, unless
    /// ``connectorClientCertificate`` is set.
    public var connectorCredentials: [BasicCredential] = []
    /// Whether the API-connector routes accept a client certificate that ``tls`` verifies. With
    /// ``connectorCredentials`` as well, either a certificate or Basic credentials suffice; alone, a
    /// certificate is required. Needs ``tls`` with a ``TLS/clientCertificate`` other than `none`.
    public var connectorClientCertificate: Bool = false
    /// Credentials for the External ID routes (`/v1/extensions…`) when they use Basic; empty means none.
    public var extensionCredentials: [BasicCredential] = []
    /// Bearer-token validation for the External ID routes, as Entra calls them. When set, it takes the
    /// place of ``extensionCredentials``.
    public var extensionBearer: BearerConfiguration?
    /// HTTPS and client certificates; `nil` serves plain HTTP (behind a TLS-terminating proxy).
    public var tls: TLS?

    public init() {}
}
