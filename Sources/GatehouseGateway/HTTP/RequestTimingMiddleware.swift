import Hummingbird
import Metrics

/// Records each request's latency by route and outcome.
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
            case 400..<500: "client_error"
            default: "server_error"
            }
        timers(context.endpointPath ?? "unmatched", outcome).recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return response
    }
}
