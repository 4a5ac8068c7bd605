extension GatewayConfiguration {
    /// HTTPS inside the gateway, and which client certificates it accepts.
    ///
    /// Without this the gateway serves plain HTTP, for a TLS-terminating proxy in front of it. With it, the
    /// gateway serves HTTPS with ``certificateChainFile`` and ``privateKeyFile``, and when
    /// ``clientCertificate`` is not ``ClientCertificateMode/none`` it asks each caller for a certificate.
    /// The TLS handshake accepts whatever certificate is presented (the caller still proves it holds the
    /// key); each route group then decides, so that a certificate it does not accept gets a 401 like any
    /// other failed authentication. A certificate is accepted when its SHA-256 fingerprint is one of
    /// ``clientFingerprints``, or when it chains to a certificate in ``clientCAFile``; either way it must be
    /// within its validity period.
    ///
    /// ```swift
    /// var tls = GatewayConfiguration.TLS(certificateChainFile: "/etc/gatehouse/server.pem", privateKeyFile: "/etc/gatehouse/server.key")
    /// tls.clientCertificate = .optional
    /// tls.clientFingerprints = [CertificateFingerprint("AB:CD:…")!, CertificateFingerprint("0123…")!]  // two during a rollover
    /// configuration.tls = tls
    /// configuration.connectorClientCertificate = true
    /// ```
    public struct TLS: Sendable {
        /// Whether the gateway asks callers for a client certificate.
        public struct ClientCertificateMode: Sendable, Hashable, CustomStringConvertible {
            /// The wire name: `required`, `optional` or `none`.
            public let rawValue: String

            private init(_ rawValue: String) { self.rawValue = rawValue }

            /// A connection without a client certificate is refused during the handshake. Whether the
            /// certificate is accepted is still decided by each route group.
            public static let required = ClientCertificateMode("required")
            /// A certificate is asked for but not demanded: route groups that accept certificates answer 401
            /// without one, the others (health, metrics, Basic or bearer routes) answer as usual.
            public static let optional = ClientCertificateMode("optional")
            /// No certificate is asked for.
            public static let none = ClientCertificateMode("none")

            /// The mode with this wire name.
            public init?(rawValue: String) {
                guard let known = [Self.required, .optional, .none].first(where: { $0.rawValue == rawValue }) else { return nil }
                self = known
            }

            public var description: String { rawValue }
        }

        /// The server's certificate, then any intermediates, in PEM.
        public var certificateChainFile: String
        /// The server's private key in PEM (unencrypted).
        public var privateKeyFile: String
        /// Whether callers are asked for a client certificate.
        public var clientCertificate: ClientCertificateMode = .none
        /// A PEM bundle of the certificate authorities whose client certificates are accepted. The
        /// authority that issued a client certificate must be in the bundle (an intermediate is fine):
        /// intermediates the caller sends are not used to build the chain.
        public var clientCAFile: String?
        /// Accepted client certificates, pinned by the SHA-256 of their DER encoding. Any number: two while
        /// a caller rolls its certificate over.
        public var clientFingerprints: [CertificateFingerprint] = []

        /// HTTPS with this certificate and key, asking for no client certificate.
        public init(certificateChainFile: String, privateKeyFile: String) {
            self.certificateChainFile = certificateChainFile
            self.privateKeyFile = privateKeyFile
        }
    }
}
