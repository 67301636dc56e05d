import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SmileyCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Who may use the control socket: root, or a process whose group is the daemon's (systemd's
/// `Group=`), as the kernel reports the peer (`SO_PEERCRED`).
public struct ControlAccess: Sendable, Hashable {
    public var allowsRoot: Bool
    public var group: UInt32

    public init(allowsRoot: Bool = true, group: UInt32 = getgid()) {
        self.allowsRoot = allowsRoot
        self.group = group
    }

    public func permits(uid: UInt32, gid: UInt32) -> Bool { (allowsRoot && uid == 0) || gid == group }
}

/// The daemon's local control socket, on SwiftNIO. A permitted client that sends
/// `buttons-test [SECONDS]` starts a bounded buttons test (`TestMode`) and gets the live view of
/// presses as JSON lines until the test ends or it hangs up.
///
/// The socket lives in a directory of its own (mode 0750) and is mode 0660, so only root and the
/// daemon's group reach it; each peer's credentials are checked too. At most `maximumClients` are
/// connected at once, a client that sends no command within a few seconds is closed, and one that
/// stops reading is dropped once `maximumQueuedBytes` wait for it: a client never holds up a press.
public final class ControlSocketServer: Service, Sendable {
    public static let maximumClients = 4
    public static let maximumQueuedBytes = 64 * 1024
    static let commandTimeout: TimeAmount = .seconds(5)

    let path: String
    let testMode: TestMode
    let access: ControlAccess
    let logger: Logger
    private let listener = Mutex<(any Channel)?>(nil)
    private let connected = Atomic<Int>(0)

    public init(path: String, testMode: TestMode, access: ControlAccess = ControlAccess(), logger: Logger) {
        self.path = path
        self.testMode = testMode
        self.access = access
        self.logger = logger
    }

    /// Binds the socket, replacing a stale one from an earlier run. Awaits the bind rather than
    /// blocking on it: with NIO as the concurrency executor, this may run on an event loop thread.
    public func start() async throws {
        let directory = (path as NSString).deletingLastPathComponent
        if mkdir(directory, 0o750) != 0, errno != EEXIST {
            throw SystemError(operation: "create the control socket's directory \(directory)", errno: errno)
        }
        // Set explicitly: mkdir's mode passes through the umask, and the directory may be older.
        guard chmod(directory, 0o750) == 0 else {
            throw SystemError(operation: "chmod 750 \(directory)", errno: errno)
        }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 8)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ControlConnectionHandler(server: self))
                }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        guard chmod(path, 0o660) == 0 else {
            let error = errno
            try? await channel.close().get()
            throw SystemError(operation: "chmod 660 \(path)", errno: error)
        }
        listener.withLock { $0 = channel }
    }

    public func run() async throws {
        if listener.withLock({ $0 }) == nil { try await start() }
        // Nothing to do until the daemon stops: connections live on the event loop, and a test whose
        // time is up is ended by a timer there (`ControlConnectionHandler`), so no one polls.
        try? await gracefulShutdown()
        try? await listener.withLock({ $0 })?.close().get()
        testMode.closeAll()
        unlink(path)
    }

    /// Counts a new connection in; false when `maximumClients` are already connected.
    func admit() -> Bool {
        if connected.wrappingAdd(1, ordering: .relaxed).newValue <= Self.maximumClients { return true }
        connected.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func release() { connected.wrappingSubtract(1, ordering: .relaxed) }
}

/// `struct ucred`, which SO_PEERCRED fills (Glibc's Swift module does not expose it).
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = .max
    var gid: UInt32 = .max
}

/// One connection: checks the peer, reads one command, then hands the connection to the test mode.
final class ControlConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: ControlSocketServer
    private var admitted = false
    private var permitted = false
    private var pending: [UInt8] = []
    private var technician: Int?
    private var commandTimeout: Scheduled<Void>?
    /// Ends the test at its deadline even while no one presses.
    private var testExpiry: Scheduled<Void>?

    init(server: ControlSocketServer) { self.server = server }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        guard server.admit() else {
            refuse(context, "busy: at most \(ControlSocketServer.maximumClients) connections at once")
            return
        }
        admitted = true
        guard let provider = context.channel as? any SocketOptionProvider else {
            refuse(context, "cannot check who is connecting")
            return
        }
        let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: .socket, name: NIOBSDSocket.Option(rawValue: SO_PEERCRED))
        credentials.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let peer) where server.access.permits(uid: peer.uid, gid: peer.gid):
                permitted = true
            case .success(let peer):
                server.logger.warning(
                    "control socket: refused process \(peer.pid) (uid \(peer.uid), gid \(peer.gid)): only root or group \(server.access.group) may use it"
                )
                refuse(
                    context,
                    "permission denied: only root or the daemon's group (gid \(server.access.group)) may use it")
            case .failure(let error):
                refuse(context, "cannot check who is connecting: \(error)")
            }
        }
        commandTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: ControlSocketServer.commandTimeout) {
            [self] in
            if technician == nil { context.close(promise: nil) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard permitted, technician == nil else { return }
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        guard let newline = pending.firstIndex(of: UInt8(ascii: "\n")) else {
            if pending.count > 256 { refuse(context, "command too long") }
            return
        }
        let words = String(decoding: pending[..<newline], as: UTF8.self).split(separator: " ")
        pending = []
        guard words.first == "buttons-test", words.count <= 2 else {
            refuse(
                context, "unknown command '\(words.joined(separator: " ").prefix(40))' (known: buttons-test [SECONDS])")
            return
        }
        let seconds = words.count == 2 ? Int(words[1]) : nil
        if words.count == 2, seconds == nil || seconds! < 1 {
            refuse(context, "buttons-test takes a number of seconds, got '\(words[1].prefix(20))'")
            return
        }
        commandTimeout?.cancel()
        let testMode = server.testMode
        technician = testMode.join(ChannelClient(channel: context.channel), seconds: seconds)
        if let endsAt = testMode.endsAtNanos {
            let remaining = max(0, endsAt - testMode.clock.monotonicNanos())
            testExpiry = context.eventLoop.scheduleTask(in: .nanoseconds(remaining)) { testMode.expireIfDue() }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        commandTimeout?.cancel()
        testExpiry?.cancel()
        if let technician { server.testMode.leave(technician) }
        technician = nil
        if admitted { server.release() }
        admitted = false
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func refuse(_ context: ChannelHandlerContext, _ message: String) {
        permitted = false
        let event = ButtonTestEvent(event: "refused", message: message)
        let line = ((try? JSONEncoder().encode(event)).map { Array($0) } ?? []) + [UInt8(ascii: "\n")]
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: line)), promise: nil)
        context.close(promise: nil)
    }
}

/// A technician's connection as the test mode sees it: lines are queued on the event loop and never
/// waited for; past `maximumQueuedBytes` unread, the client counts as gone.
final class ChannelClient: ButtonTestClient {
    let channel: any Channel
    private let queued = Atomic<Int>(0)

    init(channel: any Channel) { self.channel = channel }

    func send(_ line: [UInt8]) -> Bool {
        let total = queued.wrappingAdd(line.count, ordering: .relaxed).newValue
        guard total <= ControlSocketServer.maximumQueuedBytes else {
            queued.wrappingSubtract(line.count, ordering: .relaxed)
            return false
        }
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in self.queued.wrappingSubtract(line.count, ordering: .relaxed) }
        channel.writeAndFlush(ByteBuffer(bytes: line), promise: promise)
        return true
    }

    func close() { channel.close(promise: nil) }
}
