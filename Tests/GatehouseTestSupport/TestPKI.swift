import Crypto
public import Foundation
import SwiftASN1
public import X509

/// A certificate and its private key, as PEM strings and as files.
public struct TestCertificate: Sendable {
    /// The subject's common name, which also names the files.
    public let name: String
    /// The certificate.
    public let certificate: Certificate
    /// The certificate in PEM.
    public let certificatePEM: String
    /// The private key in PEM (PKCS #8, unencrypted).
    public let privateKeyPEM: String
    /// Where ``certificatePEM`` is written.
    public let certificateFile: String
    /// Where ``privateKeyPEM`` is written.
    public let privateKeyFile: String

    /// The certificate's DER encoding.
    public var der: [UInt8] {
        var serializer = DER.Serializer()
        // Serializing a certificate that was just parsed or built cannot fail.
        try! serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// The SHA-256 of ``der`` in lower-case hexadecimal, without colons.
    public var sha256Hex: String {
        SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined()
    }
}

/// A small public-key infrastructure made at test time, in a folder of its own: a certificate authority,
/// a server certificate for `localhost` that it issued, and whatever client certificates a test asks for.
/// Keys are P-256. Nothing is ever read from the repository or the system.
public struct TestPKI: Sendable {
    /// The folder holding every PEM file; ``remove()`` deletes it.
    public let directory: URL
    /// The certificate authority.
    public let authority: TestCertificate
    /// A server certificate for `localhost`, issued by ``authority``.
    public let server: TestCertificate
    private let authorityKey: Certificate.PrivateKey

    /// Makes the authority and the server certificate in a new folder under the temporary directory.
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestFixtures.unique("pki"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName { CommonName("Gatehouse Test CA") }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey, notValidBefore: Date().addingTimeInterval(-3600),
            notValidAfter: Date().addingTimeInterval(86_400), issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: key)
        authorityKey = key
        authority = try Self.write(certificate, key: key, named: "ca", in: directory)
        server = try Self.issue(
            "localhost", usage: .serverAuth, dnsNames: ["localhost"],
            validFor: Date().addingTimeInterval(-3600)...Date().addingTimeInterval(86_400),
            issuer: (authority.certificate, authorityKey), directory: directory)
    }

    /// A client certificate issued by ``authority``.
    ///
    /// - Parameters:
    ///   - commonName: the subject's common name; also the files' name.
    ///   - usage: the extended key usage it names.
    ///   - validity: when it is valid; by default from an hour ago until tomorrow.
    public func client(
        _ commonName: String,
        usage: ExtendedKeyUsage.Usage = .clientAuth,
        validity: ClosedRange<Date> = Date().addingTimeInterval(-3600)...Date().addingTimeInterval(86_400)
    ) throws -> TestCertificate {
        try Self.issue(
            commonName, usage: usage, dnsNames: [], validFor: validity, issuer: (authority.certificate, authorityKey), directory: directory)
    }

    /// A self-signed client certificate that ``authority`` knows nothing about.
    public func selfSigned(
        _ commonName: String,
        validity: ClosedRange<Date> = Date().addingTimeInterval(-3600)...Date().addingTimeInterval(86_400)
    ) throws -> TestCertificate {
        try Self.issue(commonName, usage: .clientAuth, dnsNames: [], validFor: validity, issuer: nil, directory: directory)
    }

    /// Deletes ``directory``.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private static func issue(
        _ commonName: String,
        usage: ExtendedKeyUsage.Usage,
        dnsNames: [String],
        validFor validity: ClosedRange<Date>,
        issuer: (certificate: Certificate, key: Certificate.PrivateKey)?,
        directory: URL
    ) throws -> TestCertificate {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject = try DistinguishedName { CommonName(commonName) }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([usage])
            if !dnsNames.isEmpty {
                SubjectAlternativeNames(dnsNames.map { .dnsName($0) })
            }
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey, notValidBefore: validity.lowerBound,
            notValidAfter: validity.upperBound, issuer: issuer?.certificate.subject ?? subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: issuer?.key ?? key)
        return try write(certificate, key: key, named: commonName, in: directory)
    }

    private static func write(_ certificate: Certificate, key: Certificate.PrivateKey, named name: String, in directory: URL) throws
        -> TestCertificate
    {
        let certificatePEM = try certificate.serializeAsPEM().pemString
        let keyPEM = try key.serializeAsPEM().pemString
        let certificateFile = directory.appendingPathComponent("\(name).pem")
        let keyFile = directory.appendingPathComponent("\(name).key")
        try certificatePEM.write(to: certificateFile, atomically: true, encoding: .utf8)
        try keyPEM.write(to: keyFile, atomically: true, encoding: .utf8)
        return TestCertificate(
            name: name, certificate: certificate, certificatePEM: certificatePEM, privateKeyPEM: keyPEM,
            certificateFile: certificateFile.path,
            privateKeyFile: keyFile.path)
    }
}
