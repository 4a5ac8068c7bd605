import Foundation
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// Decides whether a connection's client certificate is accepted: pinned by its SHA-256 fingerprint, or
/// issued by one of the configured authorities, and within its validity period either way.
struct ClientCertificateVerifier: Sendable {
    /// Why a certificate was or was not accepted: logged at debug level, never sent to the caller.
    enum Verdict: Sendable, Equatable, CustomStringConvertible {
        case pinned
        case issuedByAuthority
        case rejected(String)

        var isAccepted: Bool {
            if case .rejected = self { return false }
            return true
        }

        var description: String {
            switch self {
            case .pinned: "pinned fingerprint"
            case .issuedByAuthority: "issued by a client CA"
            case .rejected(let reason): reason
            }
        }
    }

    let fingerprints: [CertificateFingerprint]
    let authorities: [Certificate]

    /// The verdict on the certificate the peer presented during the TLS handshake of `channel`.
    func verdict(for channel: any Channel) async -> Verdict {
        let presented: NIOSSLCertificate?
        do {
            presented = try await channel.nioSSL_peerCertificate().get()
        } catch {
            return .rejected("the connection does not use TLS")
        }
        guard let presented else { return .rejected("no client certificate") }
        guard let der = try? presented.toDERBytes() else { return .rejected("the certificate cannot be encoded") }
        return await verdict(forDER: der)
    }

    /// The verdict on a DER-encoded leaf certificate, at the current time.
    func verdict(forDER der: [UInt8]) async -> Verdict {
        guard let leaf = try? Certificate(derEncoded: der) else { return .rejected("the certificate cannot be parsed") }
        let presented = CertificateFingerprint(certificateDER: der)
        // Every pin is compared, so the time taken does not say which one (if any) matched.
        var pinned = false
        for fingerprint in fingerprints where fingerprint.matches(presented) { pinned = true }
        if pinned {
            let now = Date()
            guard leaf.notValidBefore <= now, now <= leaf.notValidAfter else {
                return .rejected("pinned, but outside its validity period")
            }
            return .pinned
        }
        guard !authorities.isEmpty else { return .rejected("not pinned") }
        var verifier = Verifier(rootCertificates: CertificateStore(authorities)) { RFC5280Policy() }
        guard case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore()) else {
            return .rejected("not pinned, and no valid chain to a client CA")
        }
        // A certificate that names its uses must name client authentication: a server certificate from the
        // same authority is not a caller's identity.
        if let usages = try? leaf.extensions.extendedKeyUsage, !usages.contains(.clientAuth), !usages.contains(.any) {
            return .rejected("issued by a client CA, but not for client authentication")
        }
        return .issuedByAuthority
    }
}
