/// Why a notification could not be configured or delivered.
///
/// ```swift
/// do {
///     _ = try NotificationTemplate(#"{"text": "{{#data}}"}"#)
/// } catch {
///     print(error)  // invalid configuration: the template does not parse at line 1, column …
/// }
/// ```
public struct NotificationError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String {
            case invalidConfiguration = "invalid configuration"
            case unreachable = "unreachable"
            case timedOut = "timed out"
            case rejected = "rejected"
            case unavailable = "unavailable"
            case invalidBody = "invalid body"
            case fileWrite = "file write failed"
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The configuration cannot work: a bad template, secret, URL or route. Found at start-up.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The webhook could not be reached (connection refused, TLS, DNS).
        public static let unreachable = Code(.unreachable)
        /// The webhook did not answer within its timeout.
        public static let timedOut = Code(.timedOut)
        /// The webhook answered with a status that retrying cannot change (a 4xx other than 408 and 429).
        public static let rejected = Code(.rejected)
        /// The webhook answered 408, 429 or 5xx: worth retrying.
        public static let unavailable = Code(.unavailable)
        /// A template rendered something that is not JSON.
        public static let invalidBody = Code(.invalidBody)
        /// A file target could not be appended to.
        public static let fileWrite = Code(.fileWrite)

        public var description: String { kind.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What happened, naming the target; never a secret.
    public var message: String
    /// The earliest sensible retry, from the target's `Retry-After`.
    public var retryAfter: Duration?
    /// Where the error was made.
    public var file: String
    public var line: Int

    /// Makes an error.
    public init(_ code: Code, _ message: String, retryAfter: Duration? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.file = file
        self.line = line
    }

    /// Whether a later attempt may succeed: false for configuration errors, rejections and bodies that
    /// are not JSON.
    public var isRetriable: Bool {
        ![Code.invalidConfiguration, .rejected, .invalidBody].contains(code)
    }

    public var description: String { "\(code): \(message)" }
}
