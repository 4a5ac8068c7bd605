import GatehouseGateway
import Testing

/// Pinned client certificates are written as SHA-256 fingerprints in the forms tools print them.
@Suite struct CertificateFingerprintTests {
    static let hex = "3a7f0c92b4d1e6f8a0b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e0c2"

    @Test func colonsAndCaseDoNotMatter() throws {
        let plain = try #require(CertificateFingerprint(Self.hex))
        let upper = try #require(CertificateFingerprint(Self.hex.uppercased()))
        let pairs = Array(Self.hex)
        let colons = stride(from: 0, to: pairs.count, by: 2).map { String(pairs[$0..<$0 + 2]) }.joined(separator: ":")
        let withColons = try #require(CertificateFingerprint(colons))
        #expect(plain.description == upper.description)
        #expect(plain.description == withColons.description)
        #expect(plain.description == colons.uppercased())
    }

    @Test(arguments: [
        "",
        String(hex.dropLast()),
        hex + "00",
        String(hex.dropLast()) + "g",
        "3a7:f" + String(hex.dropFirst(4)),
        ":" + hex,
        "SHA256:" + hex,
    ])
    func anythingElseIsRefused(text: String) {
        #expect(CertificateFingerprint(text) == nil)
    }
}
