import Foundation
public import GatehouseSignup
import Logging
import Metrics

/// The built-in permissions worker: turns each sign-up into grants by the configured rules, stores
/// them idempotently, and pushes group memberships to a SCIM 2.0 endpoint when one is configured.
///
/// Only a sign-up that Gatehouse let go on (`continue` or `modify`) at a step after which the user
/// exists grants anything (``PermissionsConfiguration/grantingSteps``); rewritten attributes count as
/// rewritten. A failed push is retried through the runtime's retry topics: the grants are stored
/// first and each is marked once its push is accepted, so a retry resumes with the groups not yet
/// pushed and never pushes one twice.
///
/// ```swift
/// let worker = PermissionsWorker(
///     configuration: PermissionsConfiguration(grants: [
///         GrantRule(when: .emailDomain(["contoso.com"]), kind: .group, name: "staff")
///     ]),
///     store: try SQLiteGrantStore(path: "data/permissions.sqlite")
/// )
/// ```
public struct PermissionsWorker: SignupWorker {
    public let name: String
    public let eventTypes: Set<String>
    private let configuration: PermissionsConfiguration
    private let store: any GrantStore
    private let scim: SCIMClient?
    private let metrics: PermissionsMetrics

    /// A permissions worker granting by `configuration` into `store`, for events of `eventTypes`
    /// (sign-up events by default).
    public init(
        name: String = "permissions", configuration: PermissionsConfiguration, store: any GrantStore,
        eventTypes: Set<String> = [SignupEvent.type]
    ) {
        self.name = name
        self.eventTypes = eventTypes
        self.configuration = configuration
        self.store = store
        self.scim = configuration.scim.map { SCIMClient(configuration: $0) }
        self.metrics = PermissionsMetrics(worker: name)
    }

    public func handle(_ event: WorkerEvent, context: WorkerContext) async throws {
        guard let signup = GrantedSignup(event.data) else { return }
        let targets = configuration.grants(for: signup)
        guard !targets.isEmpty else { return }
        let userKey = event.userKey
        let now = Date()
        let added = try await store.add(
            targets.map { Grant(userKey: userKey, kind: $0.kind, name: $0.name, eventID: event.id, grantedAt: now) })
        for grant in added { metrics.granted(grant) }
        if !added.isEmpty {
            context.logger.info("Grants stored", metadata: ["event.id": "\(event.id)", "grants": "\(added.count)"])
        }
        guard let scim, let scimConfiguration = configuration.scim else { return }

        let wanted = Set(targets.filter { $0.kind == .group && scimConfiguration.groups[$0.name] != nil }.map(\.name))
        let pending = try await store.grants(user: userKey).filter {
            $0.userKey == userKey && $0.kind == .group && wanted.contains($0.name) && $0.scimPushedAt == nil
        }
        guard !pending.isEmpty else { return }
        guard let member = scimConfiguration.member.value(userKey: userKey, claims: signup.claims) else {
            metrics.failed.increment()
            throw PermanentFailure(
                "SCIM member: the sign-up has no '\(scimConfiguration.member)' to use as the member value (workers.permissions.scim.member)"
            )
        }
        for grant in pending {
            guard let id = scimConfiguration.groups[grant.name] else { continue }
            do {
                try await scim.addMember(member, toGroup: grant.name, id: id)
            } catch let error as RetryLater {
                metrics.retry.increment()
                throw error
            } catch let error as PermanentFailure {
                metrics.rejected.increment()
                throw error
            } catch {
                metrics.failed.increment()
                throw error
            }
            metrics.pushed.increment()
            try await store.markPushed(grant, at: Date())
            context.logger.debug("Group membership pushed to SCIM", metadata: ["event.id": "\(event.id)", "group": "\(grant.name)"])
        }
    }
}
