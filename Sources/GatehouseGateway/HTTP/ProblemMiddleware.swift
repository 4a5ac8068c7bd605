import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error that escapes a route, including "no such route", into an
/// `application/problem+json` answer, so that no caller ever gets an empty or HTML error body.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let bodyLimit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as GatewayProblem {
            return error.answer.response
        } catch is NIOTooManyBytesError {
            return GatewayProblem.tooLarge(limit: bodyLimit).answer.response
        } catch let error as HTTPError where error.status == .notFound {
            return GatewayProblem.notFound(request.uri.path).answer.response
        } catch let error as HTTPError where error.status == .methodNotAllowed {
            return GatewayProblem.methodNotAllowed(request.method.rawValue).answer.response
        } catch let error as any HTTPResponseError {
            return GatewayProblem(status: Int(error.status.code), slug: "http-error", title: error.status.reasonPhrase, detail: "\(error)")
                .answer.response
        } catch {
            logger.error("Unexpected error answering \(request.uri.path): \(error)")
            return GatewayProblem(status: 500, slug: "internal", title: "Internal error", detail: "The error was logged.").answer.response
        }
    }
}

extension ConnectorAnswer {
    /// The answer as a Hummingbird response.
    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentLength] = String(body.count)
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
