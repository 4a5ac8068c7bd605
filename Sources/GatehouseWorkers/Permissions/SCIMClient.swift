import AsyncHTTPClient
import Foundation
import GatehouseKafka
import GatehouseSignup
import NIOCore
import NIOHTTP1

/// Adds members to groups of a SCIM 2.0 service provider (RFC 7644 §3.5.2, `PATCH` with an `add`
/// operation on `members`).
struct SCIMClient: Sendable {
    let configuration: SCIMConfiguration
    let http: HTTPClient

    init(configuration: SCIMConfiguration, http: HTTPClient = .shared) {
        self.configuration = configuration
        self.http = http
    }

    /// `PATCH {url}/Groups/{id}` adding `member` to the group.
    ///
    /// - Throws: ``RetryLater`` for 408, 429 and 5xx (after the `Retry-After` the answer gives);
    ///   ``PermanentFailure`` for any other answer outside 2xx, naming the status and the group;
    ///   ``SCIMError`` when the token cannot be read or no answer came.
    func addMember(_ member: String, toGroup group: String, id: String) async throws {
        var request = HTTPClientRequest(url: Self.groupURL(base: configuration.url, id: id))
        request.method = .PATCH
        request.headers.add(name: "Content-Type", value: "application/scim+json")
        request.headers.add(name: "Accept", value: "application/scim+json")
        request.headers.add(name: "Authorization", value: "Bearer \(try configuration.token.resolve())")
        request.body = .bytes(Self.body(member: member))
        let target = "group '\(group)' (PATCH /Groups/\(id))"
        let status: Int
        let detail: String
        let retryAfter: Duration?
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(configuration.timeout.nanoseconds))
            let body = try await response.body.collect(upTo: 64 * 1024)
            status = Int(response.status.code)
            detail = Self.detail(Array(body.readableBytesView))
            retryAfter = response.headers.first(name: "Retry-After").flatMap { Self.retryAfter($0, now: Date()) }
        } catch {
            throw SCIMError(.transport, "\(target) failed: \(error)")
        }
        switch status {
        case 200..<300:
            return
        case 408, 429, 500..<600:
            throw RetryLater("SCIM answered \(status) for \(target)\(detail)", after: retryAfter ?? .zero)
        default:
            throw PermanentFailure("SCIM answered \(status) for \(target)\(detail)")
        }
    }

    /// `{base}/Groups/{id}`, the id escaped as one path segment.
    static func groupURL(base: String, id: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        var base = Substring(base)
        while base.hasSuffix("/") { base = base.dropLast() }
        return "\(base)/Groups/\(id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id)"
    }

    /// The PatchOp request body.
    static func body(member: String) -> [UInt8] {
        JSONValue.object([
            "schemas": .array([.string("urn:ietf:params:scim:api:messages:2.0:PatchOp")]),
            "Operations": .array([
                .object(["op": .string("add"), "path": .string("members"), "value": .array([.object(["value": .string(member)])])])
            ]),
        ]).canonicalBytes()
    }

    /// `: <detail>` from a SCIM error body (RFC 7644 §3.12), shortened, or nothing.
    static func detail(_ body: [UInt8]) -> String {
        guard let detail = (try? JSONValue.parse(body))?["detail"]?.stringValue, !detail.isEmpty else { return "" }
        return ": " + (detail.count > 200 ? String(detail.prefix(200)) + "…" : detail)
    }

    /// A `Retry-After` value: delay seconds, or an HTTP date.
    static func retryAfter(_ value: String, now: Date) -> Duration? {
        let value = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(value) { return .seconds(max(seconds, 0)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(max(Int64(date.timeIntervalSince(now) * 1000), 0))
    }
}
