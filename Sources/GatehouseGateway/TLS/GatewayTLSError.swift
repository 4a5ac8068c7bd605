/// The gateway's TLS settings cannot be used: a file is missing or unreadable, holds no PEM certificate or
/// key, or the settings contradict each other. ``field`` says which setting is at fault.
public struct GatewayTLSError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable {
            case unreadableFile
            case invalidPEM
            case keyMismatch
            case inconsistent
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The file does not exist or cannot be read.
        public static let unreadableFile = Code(.unreadableFile)
        /// The file holds no usable PEM certificate or key.
        public static let invalidPEM = Code(.invalidPEM)
        /// The private key does not belong to the certificate.
        public static let keyMismatch = Code(.keyMismatch)
        /// The settings contradict each other, for example client certificates asked for with nothing to
        /// verify them against.
        public static let inconsistent = Code(.inconsistent)

        public var description: String {
            switch base {
            case .unreadableFile: "UNREADABLE_FILE"
            case .invalidPEM: "INVALID_PEM"
            case .keyMismatch: "KEY_MISMATCH"
            case .inconsistent: "INCONSISTENT"
            }
        }
    }

    /// The setting at fault, named after the ``GatewayConfiguration`` property.
    public struct Field: Hashable, Sendable, CustomStringConvertible {
        /// The property's name.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// ``GatewayConfiguration/TLS/certificateChainFile``.
        public static let certificateChainFile = Field("certificateChainFile")
        /// ``GatewayConfiguration/TLS/privateKeyFile``.
        public static let privateKeyFile = Field("privateKeyFile")
        /// ``GatewayConfiguration/TLS/clientCAFile``.
        public static let clientCAFile = Field("clientCAFile")
        /// ``GatewayConfiguration/TLS/clientCertificate``.
        public static let clientCertificate = Field("clientCertificate")
        /// ``GatewayConfiguration/connectorClientCertificate``.
        public static let connectorClientCertificate = Field("connectorClientCertificate")

        public var description: String { name }
    }

    /// The stable code.
    public let code: Code
    /// The setting at fault.
    public let field: Field
    /// What is wrong, naming the file where there is one. Never includes key material.
    public let message: String
    /// Where the error was raised.
    public let file: String
    /// Where the error was raised.
    public let line: Int

    init(_ code: Code, _ field: Field, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.field = field
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { "\(field): \(message) [\(code)]" }
}
