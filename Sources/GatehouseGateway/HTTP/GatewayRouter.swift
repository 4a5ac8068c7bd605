import Foundation
import GatehouseSignup
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// The gateway's routes.
enum GatewayRouter {
    static func make(
        configuration: GatewayConfiguration,
        pipeline: SignupPipeline,
        health: GatewayHealth,
        bearer: EntraTokenValidator?,
        clientCertificates: ClientCertificateVerifier?,
        metrics: PrometheusCollectorRegistry?,
        logger: Logger
    ) -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        // Timing first, so that it also sees the answers the problem middleware makes of thrown errors
        // (a body too large, a wrong content type, an unknown route).
        router.add(middleware: RequestTimingMiddleware())
        router.add(middleware: ProblemMiddleware(logger: logger, bodyLimit: configuration.maxBodyBytes))

        router.get("/healthz") { _, _ in
            ConnectorAnswer(status: 200, body: Array("{\"status\":\"ok\"}".utf8)).response
        }
        router.get("/readyz") { _, _ in
            guard let reason = health.notReadyReason else {
                return ConnectorAnswer(status: 200, body: Array("{\"status\":\"ready\"}".utf8)).response
            }
            let body: JSONValue = .object(["status": "unavailable", "reason": .string(reason)])
            return ConnectorAnswer(status: 503, body: body.canonicalBytes()).response
        }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            metrics?.emit(into: &buffer)
            return ConnectorAnswer(status: 200, contentType: "text/plain; version=0.0.4", body: buffer).response
        }

        let connectors = router.group("/v1/connectors")
        if configuration.connectorClientCertificate, let clientCertificates {
            let basic =
                configuration.connectorCredentials.isEmpty ? nil : BasicAuthenticator(credentials: configuration.connectorCredentials)
            connectors.add(
                middleware: ClientCertificateAuthMiddleware(verifier: clientCertificates, basic: basic, group: "connectors", logger: logger)
            )
        } else if !configuration.connectorCredentials.isEmpty {
            connectors.add(
                middleware: BasicAuthMiddleware(authenticator: .init(credentials: configuration.connectorCredentials), group: "connectors"))
        }
        let connectorRoutes: [(String, SignupStep?)] = [
            ("", nil), ("post-federation-signup", .postFederationSignup),
            ("post-attribute-collection", .postAttributeCollection), ("pre-token-issuance", .preTokenIssuance),
        ]
        for (path, step) in connectorRoutes {
            connectors.post(RouterPath(path)) { request, _ in
                try await answer(request, route: .apiConnector(step), pipeline: pipeline, limit: configuration.maxBodyBytes)
            }
        }

        let extensions = router.group("/v1/extensions")
        if let bearer {
            extensions.add(middleware: BearerAuthMiddleware(validator: bearer, logger: logger))
        } else if !configuration.extensionCredentials.isEmpty {
            extensions.add(
                middleware: BasicAuthMiddleware(authenticator: .init(credentials: configuration.extensionCredentials), group: "extensions"))
        }
        let extensionRoutes: [(String, SignupStep?)] = [
            ("", nil), ("attribute-collection-start", .attributeCollectionStart),
            ("attribute-collection-submit", .attributeCollectionSubmit),
        ]
        for (path, step) in extensionRoutes {
            extensions.post(RouterPath(path)) { request, _ in
                try await answer(request, route: .externalID(step), pipeline: pipeline, limit: configuration.maxBodyBytes)
            }
        }
        return router
    }

    /// Checks the content type and size, reads the body, and runs the pipeline.
    private static func answer(_ request: Request, route: SignupPipeline.Route, pipeline: SignupPipeline, limit: Int) async throws
        -> Response
    {
        let contentType = request.headers[.contentType]
        guard let contentType, isJSON(contentType) else {
            throw GatewayProblem.unsupportedMediaType(contentType)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw GatewayProblem.tooLarge(limit: limit)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayProblem.tooLarge(limit: limit)
        }
        let answer = await pipeline.handle(route, body: body.readableBytesView, traceparent: request.headers[.traceparent])
        // Let the other requests that this event loop read in the same pass be answered before this
        // answer is written, so that answers leave in a burst. Written one by one, between the others'
        // parsing and recording, each answer woke the idle caller separately: under load that cost the
        // gateway a third of its throughput with durability none (bench/gateway.sh: 7.2-8.2k against
        // 10.4-11.1k requests/s with the yield). With nothing else ready, the answer goes at once.
        await Task.yield()
        return answer.response
    }

    /// `application/json`, with or without parameters such as `charset`.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
            .drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let trimmed = mediaType.reversed().drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.reversed()
        let expected = Array("application/json".utf8)
        guard trimmed.count == expected.count else { return false }
        // ASCII case-insensitive: media types are case-insensitive.
        return zip(trimmed, expected).allSatisfy { ($0 | 0x20) == $1 || $0 == $1 }
    }
}

extension HTTPField.Name {
    static let traceparent = HTTPField.Name("traceparent")!
}
