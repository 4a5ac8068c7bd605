import HTTPTypes
import Hummingbird
import Logging
import Metrics

/// Bearer-token authentication for the External ID routes. A failure gets 401 with
/// `WWW-Authenticate: Bearer`, the same body whatever was wrong, and a metric; the reason is logged at
/// debug level only.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let validator: EntraTokenValidator
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            try await validator.validate(request.headers[.authorization])
        } catch {
            Counter(label: "gatehouse_auth_failures_total", dimensions: [("group", "extensions"), ("scheme", "bearer")]).increment()
            logger.debug("Bearer token rejected", metadata: ["reason": "\(error)"])
            var response = GatewayProblem.unauthorized.answer.response
            response.headers[.wwwAuthenticate] = "Bearer realm=\"gatehouse\""
            return response
        }
        return try await next(request, context)
    }
}
