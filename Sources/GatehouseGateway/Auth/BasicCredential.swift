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
    }

    /// Parses `user:password`.
    public init?(_ pair: String) {
        guard let colon = pair.firstIndex(of: ":"), colon != pair.startIndex else { return nil }
        self.init(username: String(pair[..<colon]), password: String(pair[pair.index(after: colon)...]))
    }

    static func digest(username: String, password: String) -> [UInt8] {
        Array(SHA256.hash(data: Array("\(username):\(password)".utf8)))
    }

    /// Compares in constant time: both sides are fixed-length digests, and every byte is looked at.
    func matches(_ presented: [UInt8]) -> Bool {
        guard presented.count == digest.count else { return false }
        var difference: UInt8 = 0
        for index in digest.indices { difference |= digest[index] ^ presented[index] }
        return difference == 0
    }

    /// Never prints the password.
    public var description: String { "\(username):********" }
}

/// Checks `Authorization: Basic …` against a set of credentials.
struct BasicAuthenticator: Sendable {
    let credentials: [BasicCredential]

    /// Whether the header carries one of the credentials. Every credential is compared, so the time
    /// taken does not say which one (or which part) was wrong.
    func authenticate(_ header: String?) -> Bool {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return false }
        guard let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return false }
        let presented = BasicCredential.digest(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        var matched = false
        for credential in credentials where credential.matches(presented) { matched = true }
        return matched
    }
}
