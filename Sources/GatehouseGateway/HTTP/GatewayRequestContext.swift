import Hummingbird
import NIOCore

/// The gateway's request context: Hummingbird's core storage, plus the connection the request came on,
/// so that authentication can read the client certificate presented in its TLS handshake.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection (the TCP channel, with TLS in its pipeline when the gateway serves HTTPS).
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = CoreRequestContextStorage(source: source)
        self.channel = source.channel
    }
}
