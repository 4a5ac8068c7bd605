import Crypto

/// The SHA-256 of a certificate's DER encoding: a pinned client certificate.
///
/// Written as 64 hexadecimal digits, in either case, with or without colons between the bytes, as
/// `openssl x509 -noout -fingerprint -sha256` and Windows' certificate dialog print it.
public struct CertificateFingerprint: Sendable, CustomStringConvertible {
    private let digest: [UInt8]

    /// Parses 64 hexadecimal digits, optionally with a colon between each pair; `nil` for anything else.
    public init?(_ text: String) {
        var hex = Array(text.utf8)
        if hex.contains(UInt8(ascii: ":")) {
            let pairs = hex.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard pairs.allSatisfy({ $0.count == 2 }) else { return nil }
            hex = Array(pairs.joined())
        }
        guard hex.count == 2 * SHA256.byteCount else { return nil }
        var digest: [UInt8] = []
        digest.reserveCapacity(SHA256.byteCount)
        var index = hex.startIndex
        while index < hex.endIndex {
            guard let high = Self.nibble(hex[index]), let low = Self.nibble(hex[index + 1]) else { return nil }
            digest.append(high << 4 | low)
            index += 2
        }
        self.digest = digest
    }

    /// The fingerprint of a DER-encoded certificate.
    public init(certificateDER: some Sequence<UInt8>) {
        self.digest = Array(SHA256.hash(data: Array(certificateDER)))
    }

    /// Compares in constant time: both sides are fixed-length digests, and every byte is looked at.
    func matches(_ other: CertificateFingerprint) -> Bool {
        guard other.digest.count == digest.count else { return false }
        var difference: UInt8 = 0
        for index in digest.indices { difference |= digest[index] ^ other.digest[index] }
        return difference == 0
    }

    /// Upper-case hexadecimal pairs separated by colons.
    public var description: String {
        digest.map { byte in
            let digits = Array("0123456789ABCDEF".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
        }.joined(separator: ":")
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
