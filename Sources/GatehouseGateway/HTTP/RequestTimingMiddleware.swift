import Hummingbird
import Metrics

/// Records each request's latency by route and outcome, error answers included: it runs outside the
/// problem middleware, which turns thrown errors into answers.
struct RequestTimingMiddleware<Context: RequestContext>: RouterMiddleware {
    let timers = MetricHandles(dimensions: ["route", "outcome"]) { dimensions in
        Timer(label: "gatehouse_http_request_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let outcome =
            switch response.status.code {
            case 200..<300: "ok"
            case 400: "bad_request"
            case 401: "unauthorized"
            case 404: "not_found"
            case 413: "too_large"
            case 415: "unsupported_media_type"
            case 400..<500: "client_error"
            default: "server_error"
            }
        // Hummingbird names the path of a request no route matched "NotFound"; real paths start with "/".
        let route = context.endpointPath.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "unmatched"
        timers(route, outcome).recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return response
    }
}
