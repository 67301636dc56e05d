import Foundation
import Logging
import SmileyCore

/// `smileyctl buttons test`: a live view of the buttons. With the daemon running it holds the lines,
/// so the view comes over its control socket; with the daemon stopped the lines are read directly.
public enum ButtonTest {
    /// Connects to the daemon's control socket and asks for a test of `seconds` (the daemon caps it)
    /// with its live view; nil when no daemon listens.
    public static func connect(path: String, seconds: Double? = nil) -> Int32? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        let command = Array("buttons-test\(seconds.map { " \(max(1, Int($0.rounded(.up))))" } ?? "")\n".utf8)
        guard connected == 0 else {
            close(fd)
            return nil
        }
        // A daemon that refuses hangs up at once, maybe before this is sent: its reason is still there to read.
        _ = send(fd, command, command.count, Int32(MSG_NOSIGNAL))
        return fd
    }

    /// Reads the daemon's events for `seconds` (or until it hangs up), handing each to `handle`.
    public static func follow(_ fd: Int32, seconds: Double, handle: (ButtonTestEvent) -> Void) {
        defer { close(fd) }
        let end = Date().addingTimeInterval(seconds)
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < end {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(1, min(1000, end.timeIntervalSinceNow * 1000)))
            guard poll(&descriptor, 1, wait) >= 0 else { return }
            guard descriptor.revents != 0 else { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return }
            pending += buffer[0..<count]
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(pending[..<newline])
                pending.removeSubrange(...newline)
                if let event = try? JSONDecoder().decode(ButtonTestEvent.self, from: line) { handle(event) }
            }
        }
    }

    /// Reads the lines directly (daemon stopped): the same debouncer, the LEDs blink, nothing is stored.
    /// Returns once `seconds` have passed (the blink of a last press included).
    public static func direct(
        configuration: DeviceConfiguration, seconds: Double, logger: Logger,
        handle: @escaping @Sendable (ButtonTestEvent) -> Void
    ) async throws {
        let source = GPIOButtonSource(
            buttons: configuration.buttons,
            specs: ButtonConfiguration.specs(configuration.buttons),
            configuration: configuration.debounce.debouncerConfiguration
        ) { handle(ButtonTestEvent(event: "ready")) }
        let lines = configuration.buttons.map(\.line)
        let answers = configuration.buttons.map(\.answer)
        let acknowledger = try configuration.makeAcknowledger(logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await source.run { output in
                    switch output {
                    case .press(let press):
                        let answer = answers[press.button]
                        acknowledger.acknowledge(answer.question, suppressed: press.suppressed)
                        handle(
                            ButtonTestEvent(
                                event: "press", line: lines[press.button], question: answer.question.rawValue,
                                answer: answer.name, suppressed: press.suppressed, chord: press.chord,
                                atNanos: press.pressedAtNanos))
                    case .stuck(let button, let since):
                        handle(ButtonTestEvent(event: "stuck", line: lines[button], atNanos: since))
                    case .stuckCleared(let button, let at):
                        handle(ButtonTestEvent(event: "stuck-cleared", line: lines[button], atNanos: at))
                    case .eventsLost(_, let at):
                        handle(ButtonTestEvent(event: "events-lost", atNanos: at))
                    }
                }
            }
            try await Task.sleep(for: .seconds(seconds))
            group.cancelAll()
            try? await Task.sleep(for: .milliseconds(300))
        }
    }

    /// How a technician reads one event.
    public static func describe(_ event: ButtonTestEvent) -> String {
        switch event.event {
        case "ready": return "ready: press each face once" + (event.message.map { " (\($0))" } ?? "")
        case "press":
            let verdict =
                event.chord == true
                ? "two faces at once: not counted"
                : event.suppressed == true ? "repeat within the response interval: kept, not counted" : "counts"
            return "\(event.line ?? "?")  \(event.question ?? "?")/\(event.answer ?? "?")  \(verdict)"
        case "stuck": return "\(event.line ?? "?")  STUCK: held too long, counts nothing until released"
        case "stuck-cleared": return "\(event.line ?? "?")  released"
        case "ended": return "test ended by the daemon (\(event.message ?? "no reason given")): presses count again"
        case "refused": return "the daemon refused the test: \(event.message ?? "no reason given")"
        default: return event.event
        }
    }
}
