import Crypto
import Foundation

/// What makes two calls the same call: an identity-provider retry repeats it exactly; a new sign-up does
/// not, or does so only after the retry window.
///
/// The fingerprint hashes the dialect, the step, the correlation id (External ID sends one per sign-up
/// attempt) and the body with its keys sorted. Workforce and B2C send no correlation id, so there the
/// body alone decides; the gateway treats a repeat within its retry window as the same call, and after
/// the window as a new sign-up.
public struct SignupFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// The SHA-256 digest, as lowercase hex.
    public let hex: String

    public init(hex: String) { self.hex = hex }

    /// The fingerprint of a parsed call.
    public init(_ request: SignupRequest) {
        var hasher = SHA256()
        for part in [request.dialect.rawValue, request.step.rawValue, request.correlationID ?? ""] {
            hasher.update(data: Array(part.utf8))
            hasher.update(data: [0])
        }
        hasher.update(data: request.raw.canonicalBytes())
        hex = Hex.string(hasher.finalize())
    }

    public var description: String { hex }
}

/// W3C trace context for a call that brought none.
public enum TraceContext {
    /// A new `traceparent` with random trace and span ids, sampled.
    public static func newTraceparent() -> String {
        var generator = SystemRandomNumberGenerator()
        let trace = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let span = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "00-\(Hex.string(trace))-\(Hex.string(span))-01"
    }

    /// The incoming `traceparent` if it is well formed (version 00), else a new one.
    public static func traceparent(from header: String?) -> String {
        guard let header, header.count == 55 else { return newTraceparent() }
        let parts = header.split(separator: "-")
        let hex = Set("0123456789abcdefABCDEF")
        guard parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
            parts.allSatisfy({ $0.allSatisfy(hex.contains) }), parts[1] != String(repeating: "0", count: 32),
            parts[2] != String(repeating: "0", count: 16)
        else { return newTraceparent() }
        return header.lowercased()
    }
}

/// Lowercase hex without `String(format:)`, which is slow on the request path.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func string(_ bytes: some Sequence<UInt8>) -> String {
        var characters: [UInt8] = []
        for byte in bytes {
            characters.append(digits[Int(byte >> 4)])
            characters.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
