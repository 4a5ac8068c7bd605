import Foundation
import JWTKit
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The claims Gatehouse checks in Entra's bearer token.
struct EntraExtensionToken: JWTPayload {
    var aud: AudienceClaim
    var iss: IssuerClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    /// The calling app in v2 tokens.
    var azp: String?
    /// The calling app in v1 tokens.
    var appid: String?

    /// Signature checks come first; claims are checked by ``EntraTokenValidator``, which knows the
    /// configuration.
    func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// Validates bearer tokens against keys held in memory; a background service keeps the keys fresh.
final class EntraTokenValidator: Service, Sendable {
    private let configuration: BearerConfiguration
    private let logger: Logger
    /// The keys, and their ids: a token must name one of them (jwt-kit would otherwise fall back to a
    /// default key for an unknown `kid`).
    private let keys = Mutex<(collection: JWTKeyCollection, ids: Set<String>)?>(nil)

    init(configuration: BearerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Loads the keys now; the gateway calls it once before serving.
    func loadKeys() async {
        do {
            let json = try await fetchJWKS()
            let collection = try await JWTKeyCollection().add(jwksJSON: json)
            let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            let ids = Set(((document?["keys"] as? [[String: Any]]) ?? []).compactMap { $0["kid"] as? String })
            keys.withLock { $0 = (collection, ids) }
            Counter(label: "gatehouse_jwks_refresh_total", dimensions: [("outcome", "ok")]).increment()
        } catch {
            Counter(label: "gatehouse_jwks_refresh_total", dimensions: [("outcome", "failed")]).increment()
            logger.error(
                "Cannot load the bearer-token signing keys; keeping the previous ones",
                metadata: ["source": "\(configuration.keys)", "error": "\(error)"])
        }
    }

    /// Refreshes the keys in the background until shutdown.
    func run() async throws {
        // The wait between refreshes is cancelled at graceful shutdown, so shutdown never waits an hour.
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: self.configuration.refreshInterval)
                await self.loadKeys()
            }
        }
    }

    private func fetchJWKS() async throws -> String {
        switch configuration.keys.base {
        case .file(let path):
            return try String(contentsOfFile: path, encoding: .utf8)
        case .url(let url):
            guard let address = URL(string: url) else { throw ValidationFailure("invalid JWKS URL") }
            var request = URLRequest(url: address)
            request.timeoutInterval = 10
            let (data, response) = try await URLSession.shared.data(for: request)
            guard let status = (response as? HTTPURLResponse)?.statusCode, (200..<300).contains(status) else {
                throw ValidationFailure("the JWKS URL answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// A reason for a rejected token: logged at debug level, never sent to the caller.
    struct ValidationFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Checks an `Authorization` header value. Throws ``ValidationFailure`` (with the reason) when the
    /// token is not acceptable.
    func validate(_ authorization: String?) async throws {
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
            throw ValidationFailure("no bearer token")
        }
        let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        // The algorithm is checked before any key is touched: `none`, HMAC with a public key as the secret,
        // and any other algorithm Entra does not use are refused outright.
        let header = Self.header(of: token) ?? [:]
        guard let algorithm = header["alg"] as? String, configuration.algorithms.contains(algorithm) else {
            throw ValidationFailure("algorithm not accepted")
        }
        guard let keys = keys.withLock({ $0 }) else { throw ValidationFailure("no signing keys loaded") }
        guard let kid = header["kid"] as? String, keys.ids.contains(kid) else { throw ValidationFailure("unknown key id") }
        let payload = try await keys.collection.verify(token, as: EntraExtensionToken.self)
        let now = Date()
        let leeway = Double(configuration.leeway.components.seconds)
        guard payload.exp.value.addingTimeInterval(leeway) > now else { throw ValidationFailure("expired") }
        if let nbf = payload.nbf, nbf.value.addingTimeInterval(-leeway) > now { throw ValidationFailure("not yet valid") }
        guard payload.aud.value.contains(configuration.audience) else { throw ValidationFailure("wrong audience") }
        guard configuration.issuers.contains(payload.iss.value) else { throw ValidationFailure("wrong issuer") }
        guard (payload.azp ?? payload.appid) == configuration.authorizedParty else { throw ValidationFailure("wrong calling application") }
    }

    /// The header of a compact JWS, without verifying anything.
    static func header(of token: String) -> [String: Any]? {
        guard let encoded = token.split(separator: ".", omittingEmptySubsequences: false).first else { return nil }
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
            let header = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return header
    }
}
