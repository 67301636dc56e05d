import Foundation
import Logging
import SmileyDevice
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized) struct SystemdNotifierTests {
    /// A datagram socket standing in for systemd's notification socket.
    func withNotifySocket(_ body: (Int32) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "notify-\(UUID().uuidString.prefix(8))"
        ).path
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
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        setenv("NOTIFY_SOCKET", path, 1)
        try await body(fd)
    }

    /// The path a bound Unix socket listens on.
    func socketPath(_ fd: Int32) -> String {
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return withUnsafeBytes(of: address.sun_path) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    func receive(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }

    @Test func readinessAndWatchdogPingsReachTheNotifySocket() async throws {
        try await withNotifySocket { fd in
            let notifier = SystemdNotifier(logger: Logger(label: "test"))
            notifier.ready()
            #expect(receive(fd) == "READY=1")
            notifier.watchdog()
            #expect(receive(fd) == "WATCHDOG=1")
        }
    }

    @Test func withoutSystemdNothingIsSent() async throws {
        try await withNotifySocket { fd in
            let messages = RecordedLog()
            let notifier = SystemdNotifier(logger: Logger(label: "test") { _ in RecordingLogHandler(log: messages) })
            // Not started by systemd: no variable, or an empty one. Nothing reaches the socket, nothing is logged.
            unsetenv("NOTIFY_SOCKET")
            notifier.ready()
            setenv("NOTIFY_SOCKET", "", 1)
            notifier.ready()
            #expect(receive(fd) == "")
            #expect(messages.lines == [])
            // The same notifier, with the socket named again, does send: the silence above was real.
            setenv("NOTIFY_SOCKET", socketPath(fd), 1)
            notifier.ready()
            #expect(receive(fd) == "READY=1")
        }
    }

    @Test func theWatchdogPingsOnlyAfterTheButtonLoopAnsweredAndWaitsOnItsClock() async throws {
        try await withNotifySocket { fd in
            let answers = Answers([true, false, true, true])
            let clock = TestClock(cancelAfterSleeps: 4)
            let log = RecordedLog()
            let watchdog = WatchdogService(
                interval: .seconds(15), notifier: SystemdNotifier(logger: Logger(label: "test")),
                logger: Logger(label: "test") { _ in RecordingLogHandler(log: log) }, clock: clock
            ) { answers.next() }
            try await watchdog.run()
            var received: [String] = []
            while case let message = receive(fd), !message.isEmpty { received.append(message) }
            // Asked at 0, 15, 30 and 45 s; the loop did not answer at 15 s, so no ping then.
            #expect(received == ["WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1"])
            #expect(log.lines == ["error: button loop did not answer: withholding the watchdog ping"])
            #expect(clock.sleeps.map(\.offset) == [15, 30, 45, 60].map { Duration.seconds($0) })
        }
    }

    @Test func theWatchdogIntervalIsHalfOfWatchdogSec() {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000"]) == .seconds(15))
        #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
        #expect(
            SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]) == nil)
    }
}

/// The button loop's answers to the watchdog, one per question.
final class Answers: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: [Bool]
    init(_ answers: [Bool]) { remaining = answers }
    func next() -> Bool { lock.withLock { remaining.isEmpty ? false : remaining.removeFirst() } }
}

/// Log lines kept for a test to read.
final class RecordedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []
    var lines: [String] { lock.withLock { kept } }
    func append(_ line: String) { lock.withLock { kept.append(line) } }
}

struct RecordingLogHandler: LogHandler {
    let log: RecordedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { log.append("\(event.level): \(event.message)") }
}
