import AsyncHTTPClient
import Foundation
import GatehouseKafka
import GatehouseSignup
import Logging
import Metrics
import NIOCore
public import ServiceLifecycle
import Synchronization

/// The built-in notifications worker: sends events to webhooks and files, as routes say.
///
/// - **Several targets per event.** An event is delivered to every target of every route it takes,
///   concurrently. Each success is recorded at once in `<data>/workers/<worker>-deliveries.sqlite`, by
///   event id and target name; when another target fails and the event is retried (or redriven from
///   dead letters), the targets that already have it are passed over. Delivery is at least once per
///   target: a crash between a delivery and its record sends it again, with the same `webhook-id`.
/// - **Failures.** When any target failed in a way worth retrying, the event is retried, no sooner
///   than the longest `Retry-After` (up to ``NotificationsConfiguration/maximumRetryAfter``). When
///   only permanent failures remain, the event goes to dead letters, the error naming each.
/// - **Lifecycle.** With a webhook configured, the worker owns one HTTP client. Run it as a `Service` in the same group as its
///   ``WorkerRunner``, before the runner: a group shuts services down in reverse order, so the runner
///   finishes its deliveries before the worker closes the client. Without a group, call
///   ``shutdown()`` once the runner has stopped.
///
/// ```swift
/// let worker = try NotificationsWorker(configuration: notifications)
/// let runner = WorkerRunner(worker: worker, configuration: workers, topics: admin, logger: logger)
/// let group = ServiceGroup(services: [worker, runner], logger: logger)
/// try await group.run()
/// ```
public final class NotificationsWorker: SignupWorker, Service {
    public let name: String
    public let eventTypes: Set<String>
    let targets: [String: NotificationTarget]
    let files: [String: JSONLinesFile]
    let routes: [NotificationRoute]
    let delivered: CompletedEvents
    /// Made only when a webhook is configured.
    let httpClient: HTTPClient?
    let metrics: NotificationMetrics
    let maximumRetryAfter: Duration
    private let isShutDown = Mutex(false)

    /// A worker named `name` delivering as `configuration` says.
    ///
    /// - Throws: ``NotificationError`` (invalid configuration) when the configuration cannot work, or the
    ///   delivered records' error when they cannot be opened.
    public init(name: String = "notifications", configuration: NotificationsConfiguration) throws {
        let (targets, routes) = try configuration.resolved()
        self.name = name
        self.eventTypes = configuration.eventTypes
        self.targets = targets
        self.routes = routes
        self.maximumRetryAfter = configuration.maximumRetryAfter
        self.metrics = NotificationMetrics(targets: targets.keys)
        self.files = targets.compactMapValues { target in
            if case .file(let file) = target.kind { JSONLinesFile(path: file.path) } else { nil }
        }
        self.delivered = try CompletedEvents(
            path: configuration.dataDirectory.appendingPathComponent("workers/\(name)-deliveries.sqlite").path)
        let timeouts = targets.values.compactMap { target -> Duration? in
            if case .webhook(let webhook) = target.kind { webhook.timeout } else { nil }
        }
        if let longest = timeouts.max() {
            var client = HTTPClient.Configuration()
            // A redirect would carry the signed body somewhere not configured: a 3xx is a failure.
            client.redirectConfiguration = .disallow
            client.timeout = .init(connect: longest.timeAmount, read: longest.timeAmount)
            // AsyncHTTPClient keeps 8 connections per host by default, which held 64 lanes sending at
            // once to 8 requests in flight. 64 covers the default 16 lanes and the benchmark's 64.
            client.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
            self.httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: client)
        } else {
            self.httpClient = nil
        }
    }

    public func handle(_ event: WorkerEvent, context: WorkerContext) async throws {
        var names: [String] = []
        for route in routes where route.matches(type: event.type, data: event.data) {
            for target in route.targets where !names.contains(target) { names.append(target) }
        }
        guard !names.isEmpty else { return }
        let earlier = try await delivered.completed(among: names.map { Self.deliveryKey(event: event.id, target: $0) })
        let pending = names.filter { !earlier.contains(Self.deliveryKey(event: event.id, target: $0)) }
        for name in names where !pending.contains(name) { metrics[name]?.duplicate.increment() }

        let results = await withTaskGroup(of: (String, (any Error)?).self) { group in
            for name in pending {
                group.addTask {
                    do {
                        try await self.deliver(event, to: name, context: context)
                        return (name, nil)
                    } catch {
                        return (name, error)
                    }
                }
            }
            var results: [(String, (any Error)?)] = []
            for await result in group { results.append(result) }
            return results
        }
        let succeeded = results.filter { $0.1 == nil }.map(\.0)
        // Recorded before anything is thrown, so that a retry skips these targets.
        try await delivered.record(succeeded.map { Self.deliveryKey(event: event.id, target: $0) })
        let failures = results.compactMap { result in result.1.map { (target: result.0, error: $0) } }
        for failure in failures {
            context.logger.debug(
                "A notification was not delivered",
                metadata: ["event.id": "\(event.id)", "target": "\(failure.target)", "error": "\(failure.error)"])
        }
        if let failure = combined(failures.map(\.error)) { throw failure }
    }

    /// Delivers to one target, counting and timing it.
    private func deliver(_ event: WorkerEvent, to name: String, context: WorkerContext) async throws {
        guard let target = targets[name] else { return }
        let start = ContinuousClock.now
        defer { metrics[name]?.latency.recordNanoseconds((ContinuousClock.now - start).nanoseconds) }
        do {
            switch target.kind {
            case .webhook(let webhook):
                try await post(event, to: webhook, named: name, logger: context.logger)
            case .file(let file):
                let body = try Self.body(of: event, template: file.template, target: name)
                let line = file.template == nil ? body : try JSONValue.parse(body).canonicalBytes()
                try await files[name]?.append(line)
            }
            metrics[name]?.delivered.increment()
        } catch let error as NotificationError where !error.isRetriable {
            metrics[name]?.failed.increment()
            throw error
        } catch {
            metrics[name]?.retried.increment()
            throw error
        }
    }

    /// What the runner should do about the targets' failures: retry when any may succeed later, no
    /// sooner than the longest `Retry-After`; dead letters when none can.
    private func combined(_ errors: [any Error]) -> (any Error)? {
        guard !errors.isEmpty else { return nil }
        let messages = errors.map { ($0 as? NotificationError)?.message ?? "\($0)" }.joined(separator: "; ")
        let retriable = errors.filter { ($0 as? NotificationError)?.isRetriable ?? true }
        guard let first = retriable.first else { return PermanentFailure(messages) }
        if let after = retriable.compactMap({ ($0 as? NotificationError)?.retryAfter }).max() {
            return RetryLater(messages, after: min(after, maximumRetryAfter))
        }
        guard errors.count > 1 else { return first }
        return NotificationError((first as? NotificationError)?.code ?? .unavailable, messages)
    }

    /// The body for a target: its template rendered, or the CloudEvent in structured mode.
    ///
    /// - Throws: ``NotificationError`` (invalid body) when the template renders something that is not JSON.
    static func body(of event: WorkerEvent, template: NotificationTemplate?, target: String) throws(NotificationError) -> [UInt8] {
        guard let template else { return event.structuredCloudEvent.canonicalBytes() }
        let body = Array(template.render(event.templateContext).utf8)
        do {
            _ = try JSONValue.parse(body)
        } catch {
            throw NotificationError(.invalidBody, "the template of \(target) rendered something that is not JSON: \(error)")
        }
        return body
    }

    /// The delivered record of an event at a target.
    static func deliveryKey(event: String, target: String) -> String { "\(target) \(event)" }

    /// Waits for graceful shutdown, then closes the HTTP client.
    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Closes the HTTP client; later webhook deliveries fail (and are retried by another process).
    /// Calling it again does nothing.
    public func shutdown() async throws {
        let first = isShutDown.withLock { shutDown in
            defer { shutDown = true }
            return !shutDown
        }
        if first, let httpClient { try await httpClient.shutdown() }
    }
}

extension Duration {
    var timeAmount: TimeAmount { .nanoseconds(nanoseconds) }
}
