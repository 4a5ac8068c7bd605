/// An HTTP answer, already encoded: status, content type and body bytes.
public struct ConnectorAnswer: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// `application/json` for dialect answers, `application/problem+json` for errors.
    public var contentType: String
    /// The body.
    public var body: [UInt8]

    public init(status: Int, contentType: String = "application/json", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}
