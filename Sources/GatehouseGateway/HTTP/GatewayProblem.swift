import Foundation
import GatehouseSignup

/// An error answer in RFC 9457 `application/problem+json`: a stable `type`, a title, and a detail
/// that names the problem without echoing secrets or personal data.
struct GatewayProblem: Error, Sendable {
    var status: Int
    var slug: String
    var title: String
    var detail: String

    var answer: ConnectorAnswer {
        let body: JSONValue = .object([
            "type": .string("https://gatehouse.dev/problems/\(slug)"),
            "title": .string(title),
            "status": .int(Int64(status)),
            "detail": .string(detail),
        ])
        return ConnectorAnswer(status: status, contentType: "application/problem+json", body: body.canonicalBytes())
    }

    static func malformedJSON(_ detail: String) -> GatewayProblem {
        GatewayProblem(status: 400, slug: "malformed-json", title: "The body is not valid JSON", detail: detail)
    }

    static func invalidRequest(_ detail: String) -> GatewayProblem {
        GatewayProblem(status: 400, slug: "invalid-request", title: "The body is not a sign-up request", detail: detail)
    }

    static func tooLarge(limit: Int) -> GatewayProblem {
        GatewayProblem(status: 413, slug: "body-too-large", title: "The body is too large", detail: "The limit is \(limit) bytes.")
    }

    static func unsupportedMediaType(_ received: String?) -> GatewayProblem {
        GatewayProblem(
            status: 415, slug: "unsupported-media-type", title: "The body must be JSON",
            detail: "Content-Type must be application/json; received \(received.map { "'\($0)'" } ?? "none")."
        )
    }

    static func notFound(_ path: String) -> GatewayProblem {
        GatewayProblem(status: 404, slug: "not-found", title: "No such endpoint", detail: "Nothing is served at \(path).")
    }

    static func methodNotAllowed(_ method: String) -> GatewayProblem {
        GatewayProblem(status: 405, slug: "method-not-allowed", title: "Method not allowed", detail: "\(method) is not accepted here.")
    }

    static let unauthorized = GatewayProblem(
        status: 401, slug: "unauthorized", title: "Authentication required", detail: "The request did not carry accepted credentials."
    )
}
