import Crypto
import Foundation
import Synchronization

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
        self.init(request, canonicalRaw: request.raw.canonicalBytes())
    }

    /// The fingerprint of a parsed call whose body the caller has written canonically already
    /// (`request.raw.canonicalBytes()`), for example to put the same bytes in its event.
    public init(_ request: SignupRequest, canonicalRaw: [UInt8]) {
        var hasher = SHA256()
        for part in [request.dialect.rawValue, request.step.rawValue, request.correlationID ?? ""] {
            hasher.update(data: Array(part.utf8))
            hasher.update(data: [0])
        }
        hasher.update(data: canonicalRaw)
        hex = Hex.string(hasher.finalize())
    }

    public var description: String { hex }
}

/// W3C trace context for a call that brought none.
public enum TraceContext {
    /// A new `traceparent` with random trace and span ids, sampled.
    public static func newTraceparent() -> String {
        let trace = RandomID.bytes(16)
        let span = RandomID.bytes(8)
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

/// Random identifiers for the request path.
///
/// Foundation's `UUID()` opens and reads `/dev/urandom` on every call on Linux, and drawing random bytes
/// one at a time costs a `getrandom` call each; these draw eight bytes per call.
public enum RandomID {
    /// A random version 4 UUID in lowercase, as `UUID().uuidString.lowercased()` would give.
    public static func uuid() -> String {
        var bytes = self.bytes(16)
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Array(Hex.string(bytes).utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, character) in hex.enumerated() {
            if index == 8 || index == 12 || index == 16 || index == 20 { text.append(UInt8(ascii: "-")) }
            text.append(character)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `count` random bytes from the kernel's cryptographically secure generator.
    static func bytes(_ count: Int) -> [UInt8] {
        pool.withLock { $0.take(count) }
    }

    /// Random bytes read from the kernel (`/dev/urandom`) 4 KiB at a time. `SystemRandomNumberGenerator`
    /// makes one `getrandom` call per eight bytes, which gave the gateway five system calls per request
    /// (event id, trace id, span id). Each byte is handed out once.
    private static let pool = Mutex(Pool())

    private struct Pool: ~Copyable {
        private static let device: Int32? = {
            let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
            return descriptor >= 0 ? descriptor : nil
        }()
        private var buffer = [UInt8](repeating: 0, count: 4096)
        private var position = 4096

        mutating func take(_ count: Int) -> [UInt8] {
            guard count <= buffer.count else { return (0..<count).map { _ in UInt8.random(in: .min ... .max) } }
            if position + count > buffer.count { refill() }
            defer { position += count }
            return Array(buffer[position..<position + count])
        }

        private mutating func refill() {
            var filled = 0
            if let device = Self.device {
                while filled < buffer.count {
                    let read = buffer.withUnsafeMutableBytes { Foundation.read(device, $0.baseAddress! + filled, $0.count - filled) }
                    if read > 0 {
                        filled += read
                    } else if read == 0 || errno != EINTR {
                        break
                    }
                }
            }
            if filled < buffer.count {
                // No /dev/urandom (a sandbox without it): the standard library's generator.
                var generator = SystemRandomNumberGenerator()
                for index in filled..<buffer.count { buffer[index] = generator.next() }
            }
            position = 0
        }
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
