/// Decides a sign-up from memory: the seam where declarative rules plug in. It must never block or
/// call the network; it runs on the request path.
public protocol SignupDecider: Sendable {
    /// The decision for a parsed call.
    func decide(_ request: SignupRequest) -> SignupDecision
}

/// Continue, always: the default until rules are configured.
public struct ContinueDecider: SignupDecider {
    public init() {}

    public func decide(_ request: SignupRequest) -> SignupDecision { .continue }
}
