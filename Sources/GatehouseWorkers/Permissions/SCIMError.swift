/// A SCIM push that got no answer from the service provider: the token could not be read, or the
/// request failed on the way. The worker retries it (the service provider's own answers become
/// ``RetryLater`` or ``PermanentFailure``).
public struct SCIMError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The bearer token could not be read.
        public static let credential = Code("credential")
        /// The request failed before an answer: connection refused, timeout, TLS.
        public static let transport = Code("transport")

        public var description: String { rawValue }
    }

    public var code: Code
    /// What happened, naming the group where there is one; never a token.
    public var reason: String
    public var file: String
    public var line: Int

    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { "SCIM \(code): \(reason)" }
}
