import Foundation
import Logging
import ServiceLifecycle

/// The daemon's local control socket (a Unix socket, owner-only). A client that sends
/// `buttons-test` gets the live view of presses as JSON lines until it disconnects.
public final class ControlSocketServer: Service, @unchecked Sendable {
    let path: String
    let testMode: TestMode
    let logger: Logger
    private var listener: Int32 = -1

    public init(path: String, testMode: TestMode, logger: Logger) {
        self.path = path
        self.testMode = testMode
        self.logger = logger
    }

    /// Binds the socket (mode 0600), replacing a stale one from an earlier run.
    public func start() throws {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError(operation: "socket for \(path)", errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw SystemError(operation: "control socket path \(path) is too long", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let previous = umask(0o077)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(previous)
        guard bound == 0, listen(fd, 4) == 0 else {
            let error = errno
            close(fd)
            throw SystemError(operation: "bind control socket \(path)", errno: error)
        }
        chmod(path, 0o600)
        listener = fd
    }

    public func run() async throws {
        if listener < 0 { try start() }
        let listener = self.listener
        let thread = Thread { [self] in acceptLoop(listener) }
        thread.name = "smiley-control"
        thread.start()
        try? await gracefulShutdown()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        testMode.closeAll()
        unlink(path)
    }

    private func acceptLoop(_ listener: Int32) {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let handler = Thread { [self] in serve(client) }
            handler.start()
        }
    }

    /// Reads the client's command; for `buttons-test`, keeps it in the test view until it hangs up.
    private func serve(_ client: Int32) {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = recv(client, &buffer, buffer.count, 0)
        let command = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        guard command == "buttons-test" else {
            let reply = "unknown command '\(command)' (known: buttons-test)\n"
            _ = reply.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            close(client)
            return
        }
        logger.notice("buttons test started: presses are test presses until it ends")
        testMode.add(client)
        testMode.broadcast(ButtonTestEvent(event: "ready"))
        // Wait for the technician to hang up (or the daemon to close the connection).
        while recv(client, &buffer, buffer.count, 0) > 0 {}
        testMode.remove(client)
        logger.notice("buttons test ended")
    }
}
