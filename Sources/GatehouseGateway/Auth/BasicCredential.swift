import Crypto
import Foundation

/// One accepted user name and password for HTTP Basic. Several may be configured at once, so that a
/// password can be rotated without downtime.
public struct BasicCredential: Sendable, CustomStringConvertible {
    /// The user name.
    public let username: String
    private let digest: [UInt8]

    /// Creates a credential. Only a SHA-256 digest of the pair is kept.
    public init(username: String, password: String) {
        self.username = username
        self.digest = Self.digest(username: username, password: password)
        self.tokenDigest = Array(SHA256.hash(data: Array(Data("\(username):\(password)".utf8).base64EncodedString().utf8)))
    }

    /// Parses `user:password`.
    public init?(_ pair: String) {
        guard let colon = pair.firstIndex(of: ":"), colon != pair.startIndex else { return nil }
        self.init(username: String(pair[..<colon]), password: String(pair[pair.index(after: colon)...]))
    }

    /// A SHA-256 digest of the header token that carries this credential in the standard base64
    /// encoding, which is what callers send.
    let tokenDigest: [UInt8]

    static func digest(username: String, password: String) -> [UInt8] {
        Array(SHA256.hash(data: Array("\(username):\(password)".utf8)))
    }

    /// Compares in constant time: both sides are fixed-length digests, and every byte is looked at.
    func matches(_ presented: [UInt8]) -> Bool {
        Self.equal(digest, presented)
    }

    /// Whether a token's digest is this credential's standard encoding, in constant time.
    func matches(tokenDigest presented: [UInt8]) -> Bool {
        Self.equal(tokenDigest, presented)
    }

    private static func equal(_ expected: [UInt8], _ presented: [UInt8]) -> Bool {
        guard presented.count == expected.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ presented[index] }
        return difference == 0
    }

    /// Never prints the password.
    public var description: String { "\(username):********" }
}

/// Checks `Authorization: Basic …` against a set of credentials.
public struct BasicAuthenticator: Sendable {
    let credentials: [BasicCredential]

    /// Accepts any of `credentials` (several at once, for rotation).
    public init(credentials: [BasicCredential]) {
        self.credentials = credentials
    }

    /// Whether the header carries one of the credentials. Every credential is compared, so the time
    /// taken does not say which one (or which part) was wrong.
    ///
    /// The decoded `user:password` bytes are hashed as they are: a credential's digest is of exactly
    /// those bytes, so a match needs no splitting or text decoding. Before that, the token is compared
    /// with each credential's standard encoding, which spares the decoding for every ordinary caller.
    public func authenticate(_ header: String?) -> Bool {
        guard let header else { return false }
        let scheme = Array("basic ".utf8)
        var utf8 = Substring(header).utf8
        guard utf8.count > scheme.count, zip(utf8.prefix(scheme.count), scheme).allSatisfy({ ($0 | 0x20) == $1 }) else {
            return false
        }
        utf8 = utf8.dropFirst(scheme.count)
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while let first = utf8.first, isBlank(first) { utf8 = utf8.dropFirst() }
        while let last = utf8.last, isBlank(last) { utf8 = utf8.dropLast() }
        // Callers send the standard encoding: compare digests of the token itself, sparing the decoding.
        let token = Array(SHA256.hash(data: Array(utf8)))
        var matched = false
        for credential in credentials where credential.matches(tokenDigest: token) { matched = true }
        if matched { return true }
        // Another encoding of the same bytes (unusual padding or trailing bits) is still accepted.
        guard let decoded = Data(base64Encoded: Data(utf8)), decoded.contains(UInt8(ascii: ":")) else { return false }
        let presented = Array(SHA256.hash(data: decoded))
        for credential in credentials where credential.matches(presented) { matched = true }
        return matched
    }
}
