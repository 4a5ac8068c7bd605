public import Foundation

/// Where the permissions worker keeps grants: SQLite by default.
///
/// A grant is stored once per user, kind and name; storing it again changes nothing.
public protocol GrantStore: Sendable {
    /// Stores the grants not stored yet, keeping the stored ones as they are.
    ///
    /// - Returns: The grants that were new.
    @discardableResult
    func add(_ grants: [Grant]) async throws -> [Grant]

    /// The stored grants of one user (`nil`: of everyone), by user, kind and name. A user is matched
    /// as given or lowercased, so an email may be given in any case.
    func grants(user: String?) async throws -> [Grant]

    /// Notes that the SCIM service provider accepted a grant.
    func markPushed(_ grant: Grant, at time: Date) async throws
}
