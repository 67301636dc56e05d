import NIOCore
import NIOHTTPTypes

/// Counts the hub's HTTP connections for `/metrics`: one per channel, from the moment it is active until
/// it closes (or the handler leaves the pipeline), whichever way round NIO tells it.
final class ConnectionCountingHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let metrics: HubMetrics
    private var counted = false

    init(metrics: HubMetrics) {
        self.metrics = metrics
    }

    private func open() {
        guard !counted else { return }
        counted = true
        metrics.connectionOpened()
    }

    private func close() {
        guard counted else { return }
        counted = false
        metrics.connectionClosed()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { open() }
    }

    func channelActive(context: ChannelHandlerContext) {
        open()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        close()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        close()
    }
}
