import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy on loopback in front of a PostgreSQL Unix socket that can go silent, as a failed switch or a
/// paused VM would: it then forwards nothing either way, sends nothing, and keeps every socket open (a side
/// closed while silent is not passed on), so that neither end learns anything from it.
final class SilentProxy: Sendable {
    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    /// Relays one side's bytes to `peer`, unless silent.
    final class Relay: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let peer: any Channel
        let silent: Flag

        init(peer: any Channel, silent: Flag) {
            self.peer = peer
            self.silent = silent
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !silent.value.load(ordering: .acquiring) else { return }
            peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !silent.value.load(ordering: .acquiring) { peer.close(promise: nil) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    let server: any Channel
    let silent: Flag
    let port: Int

    private init(server: any Channel, silent: Flag) {
        self.server = server
        self.silent = silent
        self.port = server.localAddress?.port ?? 0
    }

    /// Listens on 127.0.0.1 (a free port) and relays each connection to the socket at `socketPath`.
    static func start(to socketPath: String) async throws -> SilentProxy {
        let silent = Flag()
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .channelInitializer { outbound in
                        outbound.eventLoop.makeCompletedFuture {
                            try outbound.pipeline.syncOperations.addHandler(Relay(peer: inbound, silent: silent))
                        }
                    }
                    .connect(unixDomainSocketPath: socketPath)
                    .flatMap { outbound in
                        inbound.eventLoop.makeCompletedFuture {
                            try inbound.pipeline.syncOperations.addHandler(Relay(peer: outbound, silent: silent))
                        }
                    }
                    .flatMap { inbound.setOption(.autoRead, value: true) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return SilentProxy(server: server, silent: silent)
    }

    /// From now on nothing passes, nothing closes.
    func goSilent() { silent.value.store(true, ordering: .releasing) }

    /// Stops listening (the relayed connections stay as they are).
    func stop() async throws { try await server.close() }
}
