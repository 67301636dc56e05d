import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A browser's `/events` connection, over a real socket on loopback: one HTTP/1.1 request with the session
/// cookie, then every byte the hub streams, kept until `close()`. (The test clients collect whole responses,
/// and an event stream never ends.)
final class EventStreamClient: Sendable {
    private let received = Mutex<String>("")
    private let reading = Mutex<Task<Void, any Error>?>(nil)

    /// Everything received so far, headers included.
    var text: String { received.withLock { $0 } }

    /// The centres of the `press` events received so far, in order.
    var pressedCentres: [String] {
        text.components(separatedBy: "event: press\ndata: ").dropFirst().map {
            String($0.prefix { $0 != "\n" })
        }
    }

    /// Whether the hub answered 200 with an event stream and sent its first comment.
    var isOpen: Bool {
        let text = self.text
        return text.hasPrefix("HTTP/1.1 200") && text.contains("text/event-stream") && text.contains(": connected")
    }

    var status: String { String(text.prefix { $0 != "\r" }) }

    /// Opens `/events` on the hub at `port` as the person whose session cookie is `cookie`.
    static func open(port: Int, cookie: String?) async throws -> EventStreamClient {
        let client = EventStreamClient()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let cookieLine = cookie.map { "Cookie: smiley_session=\($0)\r\n" } ?? ""
        let request =
            "GET /events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\(cookieLine)\r\n"
        let task = Task {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: request))
                for try await chunk in inbound {
                    client.received.withLock { $0 += String(buffer: chunk) }
                }
            }
        }
        client.reading.withLock { $0 = task }
        return client
    }

    /// Closes the connection, as a browser leaving the page.
    func close() async {
        let task = reading.withLock { $0 }
        task?.cancel()
        _ = await task?.result
    }
}
