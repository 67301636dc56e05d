import Hummingbird
import NIOCore

/// The hub's request context: Hummingbird's basics and the client's address (the enrollment
/// endpoint limits attempts per address).
public struct HubRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
