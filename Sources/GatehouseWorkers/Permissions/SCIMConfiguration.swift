import Foundation
import GatehouseSignup

/// Where and how the permissions worker pushes group memberships: a SCIM 2.0 service provider
/// (RFC 7644), such as Entra ID's or an application's provisioning endpoint.
///
/// For each group grant whose group has a SCIM id, the worker sends
/// `PATCH {url}/Groups/{id}` adding the user as a member. Roles, and groups without an id, stay in
/// the grant store only.
public struct SCIMConfiguration: Sendable {
    /// The service provider's base URL, such as `https://scim.example.com/scim/v2`.
    public var url: String
    /// The bearer token.
    public var token: Token
    /// Each group's SCIM id, by the group's name in the grant rules.
    public var groups: [String: String] = [:]
    /// Which identifier of the user goes in the member's `value`.
    public var member: Member = .userKey
    /// How long one request may take.
    public var timeout: Duration = .seconds(10)

    public init(url: String, token: Token, groups: [String: String] = [:], member: Member = .userKey, timeout: Duration = .seconds(10)) {
        self.url = url
        self.token = token
        self.groups = groups
        self.member = member
        self.timeout = timeout
    }

    /// Where the bearer token comes from. It is read for each request, so a rotated file takes
    /// effect without a restart, and it never appears in a description, a log or an error.
    public struct Token: Sendable, CustomStringConvertible {
        private enum Source: Sendable {
            case environment(String)
            case file(String)
            case value(String)
        }

        private let source: Source

        /// The value of an environment variable.
        public static func environment(_ name: String) -> Token { Token(source: .environment(name)) }
        /// The contents of a file, without surrounding whitespace (a mounted secret).
        public static func file(_ path: String) -> Token { Token(source: .file(path)) }
        /// A token given directly, as tests and embedding programs do.
        public static func value(_ token: String) -> Token { Token(source: .value(token)) }

        /// The token now.
        ///
        /// - Throws: ``SCIMError`` when the variable is unset or empty, or the file cannot be read
        ///   or is empty; the error names the source, never a token.
        public func resolve() throws(SCIMError) -> String {
            let token: String?
            switch source {
            case .environment(let name):
                token = ProcessInfo.processInfo.environment[name]
            case .file(let path):
                token = try? String(contentsOfFile: path, encoding: .utf8)
            case .value(let value):
                token = value
            }
            guard let token = token?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
                throw SCIMError(.credential, "the SCIM bearer token (\(self)) is missing or empty")
            }
            return token
        }

        /// The source, never the token: `environment variable NAME`, `file PATH` or `a given value`.
        public var description: String {
            switch source {
            case .environment(let name): "environment variable \(name)"
            case .file(let path): "file \(path)"
            case .value: "a given value"
            }
        }
    }

    /// Which identifier of the user goes in a SCIM member's `value`.
    ///
    /// SCIM members are referred to by the service provider's user id. Gatehouse knows the user by the
    /// sign-up's claims, so pick the identifier the provider's users are keyed by: the user key (the
    /// default; the lowercased email, else `issuer|id`), the email as sent, or an attribute that
    /// carries the provider's id.
    public struct Member: Sendable, Hashable, CustomStringConvertible {
        private enum Source: Sendable, Hashable {
            case userKey
            case attribute(String)
        }

        private let source: Source

        /// The event's user key.
        public static let userKey = Member(source: .userKey)
        /// The email claim as sent.
        public static let email = Member(source: .attribute("email"))

        /// A claim or custom attribute (by full or short name), as text.
        public static func attribute(_ name: String) -> Member { Member(source: .attribute(name)) }

        /// The member value for a user, or `nil` when the attribute is missing.
        func value(userKey: String, claims: SignupClaims) -> String? {
            switch source {
            case .userKey: userKey
            case .attribute(let name): claims.resolvedName(name).flatMap { claims.attribute($0)?.textValue }
            }
        }

        /// `user_key`, or the attribute's name, as in the configuration.
        public var description: String {
            switch source {
            case .userKey: "user_key"
            case .attribute(let name): name
            }
        }
    }
}
