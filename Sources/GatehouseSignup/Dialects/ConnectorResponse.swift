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

extension SignupRequest {
    /// The answer to this call in its dialect's format. A decision the step does not allow is
    /// answered as Continue.
    public func response(to decision: SignupDecision) -> ConnectorResponse {
        switch dialect {
        case .externalID: ExternalIDDialect.response(decision, step: step)
        default: APIConnectorDialect.response(decision, step: step)
        }
    }
}
