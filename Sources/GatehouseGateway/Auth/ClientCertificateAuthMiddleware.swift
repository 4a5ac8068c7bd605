import HTTPTypes
import Hummingbird
import Logging
import Metrics

/// Client-certificate authentication for a group of routes, optionally with HTTP Basic as an alternative
/// (either suffices). A failure gets 401 with `WWW-Authenticate`, the same body whatever was wrong, and a
/// metric; the reason is logged at debug level only.
struct ClientCertificateAuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let verifier: ClientCertificateVerifier
    /// Basic credentials that are accepted instead of a certificate; `nil` when only certificates are.
    let basic: BasicAuthenticator?
    let group: String
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let basic, basic.authenticate(request.headers[.authorization]) {
            return try await next(request, context)
        }
        let verdict = await verifier.verdict(for: context.channel)
        guard verdict.isAccepted else {
            let scheme = basic == nil ? "client_certificate" : "basic_or_client_certificate"
            Counter(label: "gatehouse_auth_failures_total", dimensions: [("group", group), ("scheme", scheme)]).increment()
            logger.debug("Client certificate rejected", metadata: ["group": "\(group)", "reason": "\(verdict)"])
            var response = GatewayProblem.unauthorized.answer.response
            if basic != nil {
                response.headers.append(HTTPField(name: .wwwAuthenticate, value: "Basic realm=\"gatehouse\", charset=\"UTF-8\""))
            }
            // No registered scheme names TLS client certificates; this challenge tells a person reading the
            // answer what the route expects.
            response.headers.append(HTTPField(name: .wwwAuthenticate, value: "ClientCertificate realm=\"gatehouse\""))
            return response
        }
        return try await next(request, context)
    }
}
