import Foundation
import Logging
import SmileyDevice
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized) struct SystemdNotifierTests {
    /// A datagram socket standing in for systemd's notification socket.
    func withNotifySocket(_ body: (Int32) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer {
            close(fd)
            unlink(path)
            unsetenv("NOTIFY_SOCKET")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        setenv("NOTIFY_SOCKET", path, 1)
        try body(fd)
    }

    func receive(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }

    @Test func readinessAndWatchdogPingsReachTheNotifySocket() throws {
        try withNotifySocket { fd in
            let notifier = SystemdNotifier(logger: Logger(label: "test"))
            notifier.ready()
            #expect(receive(fd) == "READY=1")
            notifier.watchdog()
            #expect(receive(fd) == "WATCHDOG=1")
        }
    }

    @Test func withoutSystemdNothingIsSent() {
        unsetenv("NOTIFY_SOCKET")
        SystemdNotifier(logger: Logger(label: "test")).ready()
    }

    @Test func theWatchdogIntervalIsHalfOfWatchdogSec() {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000"]) == .seconds(15))
        #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]) == nil)
    }
}
