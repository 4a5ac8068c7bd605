/// An answer ready for the wire: HTTP status and JSON body.
public struct ConnectorResponse: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// The JSON body.
    public var body: JSONValue

    public init(status: Int, body: JSONValue) {
        self.status = status
        self.body = body
    }
}
