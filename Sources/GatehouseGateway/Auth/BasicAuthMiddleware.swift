import HTTPTypes
import Hummingbird
import Metrics

/// HTTP Basic for a group of routes. A failure gets 401 with `WWW-Authenticate`, the same body whatever
/// was wrong, and a metric.
struct BasicAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: BasicAuthenticator
    let group: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard authenticator.authenticate(request.headers[.authorization]) else {
            Counter(label: "gatehouse_auth_failures_total", dimensions: [("group", group), ("scheme", "basic")]).increment()
            var response = GatewayProblem.unauthorized.answer.response
            response.headers[.wwwAuthenticate] = "Basic realm=\"gatehouse\", charset=\"UTF-8\""
            return response
        }
        return try await next(request, context)
    }
}
