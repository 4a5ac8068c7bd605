public import Foundation
public import GatehouseSignup

/// One permission a user was given because of a sign-up: membership of a group, or a role.
///
/// Grants are keyed by user, kind and name: granting the same thing twice changes nothing, and the
/// first granting event and time are kept.
public struct Grant: Sendable, Hashable {
    /// What a grant gives.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// The wire name, as stored and printed: `group` or `role`.
        public let rawValue: String

        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// Membership of a group; the only kind pushed to SCIM.
        public static let group = Kind("group")
        /// A role, for the applications that read the grant store.
        public static let role = Kind("role")

        /// Every kind.
        public static let all: [Kind] = [.group, .role]

        /// The kind with this wire name.
        public init?(rawValue: String) {
            guard let known = Self.all.first(where: { $0.rawValue == rawValue }) else { return nil }
            self = known
        }

        public var description: String { rawValue }
    }

    /// The user key of the sign-up (the lowercased email, or `issuer|id`).
    public var userKey: String
    public var kind: Kind
    /// The group's or role's name, as configured.
    public var name: String
    /// The id of the sign-up event that first granted it.
    public var eventID: String
    /// When it was first stored.
    public var grantedAt: Date
    /// When the SCIM endpoint accepted it; `nil` while not pushed (or never to be pushed: roles, and
    /// groups without a SCIM id).
    public var scimPushedAt: Date?

    public init(userKey: String, kind: Kind, name: String, eventID: String, grantedAt: Date = Date(), scimPushedAt: Date? = nil) {
        self.userKey = userKey
        self.kind = kind
        self.name = name
        self.eventID = eventID
        self.grantedAt = grantedAt
        self.scimPushedAt = scimPushedAt
    }

    /// The grant as a JSON object, for `gatehouse grants list --json`.
    public var json: JSONValue {
        .object([
            "userKey": .string(userKey), "kind": .string(kind.rawValue), "name": .string(name), "eventId": .string(eventID),
            "grantedAt": .string(SignupEvent.timestamp(grantedAt)),
            "scimPushedAt": scimPushedAt.map { .string(SignupEvent.timestamp($0)) } ?? .null,
        ])
    }
}
