import Foundation
import Logging
import ServiceLifecycle
import SmileyCore
import SmileyHub
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Clients that open connections and say nothing, or say it slowly, cannot keep the hub from others.
@Suite struct ConnectionLimitTests {
    static let limits = ConnectionLimits(maximumConnections: 8, idleTimeout: .seconds(1), requestTimeout: .seconds(2))

    func withHub(_ body: (Int) async throws -> Void) async throws {
        let directory = try temporaryDirectory()
        let database = try HubDatabase(path: directory + "/hub/hub.sqlite")
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = try buildApplication(
            configuration: HubConfiguration(
                host: "127.0.0.1", port: 0, stateDirectory: directory + "/hub", connections: Self.limits),
            database: database, logger: Logger(label: "test-hub")
        ) { port in portContinuation.yield(port) }
        let group = ServiceGroup(services: [app], logger: Logger(label: "test-hub"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do { try await body(port) } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Runs blocking socket work on its own thread.
    func blocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in Thread { continuation.resume(returning: work()) }.start() }
    }

    /// A connected loopback socket whose reads give up after `timeout` seconds.
    static func connect(_ port: Int, timeout: Int = 10) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return fd
    }

    static func send(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Everything the peer sends until it closes; nil if it did not close within the socket's timeout.
    static func readUntilClosed(_ fd: Int32) -> String? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return String(decoding: data, as: UTF8.self) }
            if count < 0 { return errno == ECONNRESET ? String(decoding: data, as: UTF8.self) : nil }
            data += buffer[0..<count]
        }
    }

    @Test func idleConnectionsBeyondTheLimitDoNotLockOthersOut() async throws {
        try await withHub { port in
            // 40 connections that never send a byte: five times the limit.
            let idle = await blocking { (0..<40).map { _ in Self.connect(port, timeout: 10) } }
            defer { for fd in idle { close(fd) } }
            let answer = await blocking { () -> String? in
                let fd = Self.connect(port, timeout: 15)
                defer { close(fd) }
                guard Self.send(fd, "GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n") else {
                    return nil
                }
                return Self.readUntilClosed(fd)
            }
            // Answered at all (within the socket's 15 s): the idle ones ahead of it were closed after the idle
            // timeout, a batch of 8 at a time. Without the timeout it would wait forever. (No wall-clock bound
            // beyond that: the machine may be busy.)
            #expect(answer?.hasPrefix("HTTP/1.1 200") == true, "\(String(describing: answer))")
            // The hub closed the idle connections it accepted.
            let closedByHub = await blocking { idle.prefix(8).filter { Self.readUntilClosed($0) != nil }.count }
            #expect(closedByHub == 8)
        }
    }

    @Test func aConnectionWhoseHeadArrivesSlowlyIsClosed() async throws {
        try await withHub { port in
            let closed = await blocking { () -> Bool in
                let fd = Self.connect(port, timeout: 1)
                defer { close(fd) }
                guard Self.send(fd, "GET /healthz HTTP/1.1\r\nX-Slow: ") else { return false }
                // One byte every 300 ms, for at most 30 s: the hub must hang up (after its 1 s idle timeout);
                // without the timeout it never does.
                for _ in 0..<100 {
                    var byte: UInt8 = 0
                    let count = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
                    if count == 0 { return true }
                    if !Self.send(fd, "a") { return true }
                    usleep(300_000)
                }
                return false
            }
            #expect(closed)
        }
    }

    @Test func aRequestWhoseBodyArrivesSlowlyIsCutOff() async throws {
        try await withHub { port in
            let closed = await blocking { () -> Bool in
                let fd = Self.connect(port, timeout: 1)
                defer { close(fd) }
                let head = "POST /api/v1/enroll HTTP/1.1\r\nHost: hub\r\nContent-Length: 4000\r\n\r\n{"
                guard Self.send(fd, head) else { return false }
                // Within 30 s (the request timeout is 2 s); without it the body could trickle on for ever.
                for _ in 0..<100 {
                    var byte: UInt8 = 0
                    let count = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
                    if count == 0 { return true }
                    if !Self.send(fd, " ") { return true }
                    usleep(300_000)
                }
                return false
            }
            #expect(closed)
        }
    }
}
