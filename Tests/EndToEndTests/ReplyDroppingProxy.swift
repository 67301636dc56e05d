import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP proxy in front of the hub that forwards each HTTP request, waits for the hub's
/// whole reply, and then, for the first `dropReplies` POST requests, closes the device's connection
/// without passing the reply on: the hub has committed, the device never hears of it.
final class ReplyDroppingProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var remainingDrops: Int
    private(set) var forwarded = 0

    init(upstreamPort: Int, dropReplies: Int) throws {
        remainingDrops = dropReplies
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 16) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        guard bound else { throw POSIXError(.EADDRINUSE) }
        let thread = Thread { [self] in serve(upstreamPort: upstreamPort) }
        thread.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve(upstreamPort: Int) {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            while let request = Self.readMessage(client) {
                let upstream = Self.connect(port: upstreamPort)
                Self.writeAll(upstream, request)
                let reply = Self.readMessage(upstream) ?? []
                close(upstream)
                let isPost = request.starts(with: Array("POST ".utf8))
                let drop = lock.withLock {
                    forwarded += 1
                    if isPost, remainingDrops > 0 {
                        remainingDrops -= 1
                        return true
                    }
                    return false
                }
                if drop { break }
                Self.writeAll(client, reply)
            }
            close(client)
        }
    }

    private static func connect(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
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

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Reads one HTTP/1.1 message with a Content-Length body; nil when the peer closed first.
    private static func readMessage(_ fd: Int32) -> [UInt8]? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let headerEnd = find(Array("\r\n\r\n".utf8), in: data) {
                let head = String(decoding: data[..<headerEnd], as: UTF8.self).lowercased()
                var bodyLength = 0
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    bodyLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
                if data.count >= headerEnd + 4 + bodyLength { return data }
            }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return nil }
            data += buffer[0..<count]
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<start + needle.count]) == needle {
            return start
        }
        return nil
    }
}
