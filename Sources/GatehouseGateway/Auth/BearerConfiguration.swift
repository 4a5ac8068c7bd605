/// How the External ID routes check Entra's bearer tokens.
public struct BearerConfiguration: Sendable {
    /// Where the signing keys come from.
    public struct KeySource: Sendable, CustomStringConvertible {
        enum Base {
            case file(String)
            case url(String)
        }

        let base: Base

        /// A JWKS document on disk, re-read every ``BearerConfiguration/refreshInterval``.
        public static func file(_ path: String) -> KeySource { KeySource(base: .file(path)) }
        /// A JWKS URL (for example `https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys`),
        /// fetched at start and every ``BearerConfiguration/refreshInterval``, never on the request path.
        public static func url(_ url: String) -> KeySource { KeySource(base: .url(url)) }

        public var description: String {
            switch base {
            case .file(let path): "file \(path)"
            case .url(let url): "url \(url)"
            }
        }
    }

    /// The application Entra's token must come from (`azp` in v2 tokens, `appid` in v1): Microsoft's
    /// custom authentication extensions service.
    public static let entraCustomExtensionsApp = "99045fe1-7639-4a75-9d4a-577b6ca3810f"

    /// Where the signing keys come from.
    public var keys: KeySource
    /// The app registration the extension was created with: the token's `aud`.
    public var audience: String
    /// Accepted `iss` values, for example `https://<tenant>.ciamlogin.com/<tenantId>/v2.0` or
    /// `https://login.microsoftonline.com/<tenantId>/v2.0`.
    public var issuers: [String]
    /// The calling application (`azp`/`appid`).
    public var authorizedParty: String = BearerConfiguration.entraCustomExtensionsApp
    /// Signature algorithms accepted; Entra signs with RS256. `none` and HMAC are never accepted.
    public var algorithms: [String] = ["RS256"]
    /// How often the keys are refreshed in the background.
    public var refreshInterval: Duration = .seconds(3600)
    /// Clock skew tolerated for `exp` and `nbf`.
    public var leeway: Duration = .seconds(60)

    public init(keys: KeySource, audience: String, issuers: [String]) {
        self.keys = keys
        self.audience = audience
        self.issuers = issuers
    }
}
