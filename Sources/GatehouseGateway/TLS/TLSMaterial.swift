import Foundation
import HummingbirdTLS
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// The gateway's TLS files, read and checked once at start: the server's chain and key for the handshake,
/// and what client certificates are checked against.
struct TLSMaterial: Sendable {
    /// The handshake's configuration, for Hummingbird's TLS channel.
    let channelConfiguration: TLSChannelConfiguration
    /// What the route groups that accept client certificates check them against.
    let clientCertificates: ClientCertificateVerifier

    /// Reads every file the settings name. Throws the first problem; ``GatewayConfiguration/TLS/validate()``
    /// lists them all.
    init(_ tls: GatewayConfiguration.TLS) throws(GatewayTLSError) {
        var problems: [GatewayTLSError] = []
        let material = Self.load(tls, problems: &problems)
        guard let material, problems.isEmpty else {
            throw problems.first ?? GatewayTLSError(.invalidPEM, .certificateChainFile, "cannot be loaded")
        }
        self = material
    }

    private init(channelConfiguration: TLSChannelConfiguration, clientCertificates: ClientCertificateVerifier) {
        self.channelConfiguration = channelConfiguration
        self.clientCertificates = clientCertificates
    }

    fileprivate static func load(_ tls: GatewayConfiguration.TLS, problems: inout [GatewayTLSError]) -> TLSMaterial? {
        let chain = certificates(in: tls.certificateChainFile, .certificateChainFile, &problems)
        let key = privateKey(in: tls.privateKeyFile, &problems)
        var authorities: [Certificate] = []
        if let file = tls.clientCAFile, let bundle = certificates(in: file, .clientCAFile, &problems) {
            do {
                authorities = try bundle.map { try Certificate(derEncoded: try $0.toDERBytes()) }
            } catch {
                problems.append(GatewayTLSError(.invalidPEM, .clientCAFile, "\(file) holds a certificate that cannot be parsed (\(error))"))
            }
        }
        let canVerify = tls.clientCAFile != nil || !tls.clientFingerprints.isEmpty
        if tls.clientCertificate != .none && !canVerify {
            problems.append(
                GatewayTLSError(
                    .inconsistent, .clientCertificate,
                    "'\(tls.clientCertificate)' asks for client certificates, but neither a client CA file nor fingerprints are set to check them"
                ))
        }
        if tls.clientCertificate == .none && canVerify {
            problems.append(
                GatewayTLSError(
                    .inconsistent, .clientCertificate, "is 'none', so the client CA file and fingerprints would never be used"
                ))
        }
        guard let chain, let key else { return nil }

        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        switch tls.clientCertificate {
        case .required: configuration.certificateVerification = .noHostnameVerification
        case .optional: configuration.certificateVerification = .optionalVerification
        default: configuration.certificateVerification = .none
        }
        // The callback below replaces BoringSSL's chain check, so no trust roots are needed; an empty list
        // keeps the system's store from being loaded for nothing.
        configuration.trustRoots = .certificates([])
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            problems.append(
                GatewayTLSError(
                    .keyMismatch, .privateKeyFile, "\(tls.privateKeyFile) cannot be used with \(tls.certificateChainFile) (\(error))"))
            return nil
        }
        let channelConfiguration: TLSChannelConfiguration
        if tls.clientCertificate == .none {
            channelConfiguration = TLSChannelConfiguration(tlsConfiguration: configuration)
        } else {
            // Every certificate passes the handshake (which still makes the caller prove it holds the key), and
            // the route groups decide: a certificate they do not accept then gets a 401 with
            // `WWW-Authenticate` and a metric, not a handshake failure the caller cannot tell from a network fault.
            channelConfiguration = TLSChannelConfiguration(tlsConfiguration: configuration) { _, promise in
                promise.succeed(.certificateVerified)
            }
        }
        return TLSMaterial(
            channelConfiguration: channelConfiguration,
            clientCertificates: ClientCertificateVerifier(fingerprints: tls.clientFingerprints, authorities: authorities)
        )
    }

    private static func contents(of path: String, _ field: GatewayTLSError.Field, _ problems: inout [GatewayTLSError]) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path) else {
            problems.append(GatewayTLSError(.unreadableFile, field, "cannot read \(path)"))
            return nil
        }
        return Array(data)
    }

    private static func certificates(in path: String, _ field: GatewayTLSError.Field, _ problems: inout [GatewayTLSError])
        -> [NIOSSLCertificate]?
    {
        guard let bytes = contents(of: path, field, &problems) else { return nil }
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(bytes), !certificates.isEmpty else {
            problems.append(GatewayTLSError(.invalidPEM, field, "\(path) holds no PEM certificate"))
            return nil
        }
        return certificates
    }

    private static func privateKey(in path: String, _ problems: inout [GatewayTLSError]) -> NIOSSLPrivateKey? {
        guard let bytes = contents(of: path, .privateKeyFile, &problems) else { return nil }
        guard let key = try? NIOSSLPrivateKey(bytes: bytes, format: .pem) else {
            problems.append(GatewayTLSError(.invalidPEM, .privateKeyFile, "\(path) holds no unencrypted PEM private key"))
            return nil
        }
        return key
    }
}

extension GatewayConfiguration.TLS {
    /// Reads every file these settings name and checks that they fit together, without starting anything.
    ///
    /// - Returns: every problem found, each naming its ``GatewayTLSError/field``; empty when the settings
    ///   can be used.
    public func validate() -> [GatewayTLSError] {
        var problems: [GatewayTLSError] = []
        _ = TLSMaterial.load(self, problems: &problems)
        return problems
    }
}
