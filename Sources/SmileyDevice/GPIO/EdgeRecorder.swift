import CGPIOD
import Foundation
import SmileyCore

/// `smileyctl buttons record`: the raw edges of the configured buttons for a while, undebounced,
/// in the trace format `smiley-device replay` reads, to diagnose a bouncing switch or a noisy cable.
/// The lines must be free: stop the daemon first.
public enum EdgeRecorder {
    /// Records for `seconds` from the moment the lines are held (`onReady` is called then).
    public static func record(
        buttons: [ButtonConfiguration], seconds: Double, onReady: () -> Void = {}
    ) throws -> EdgeTrace {
        let source = GPIOButtonSource(buttons: buttons, specs: [], configuration: DebounceConfiguration())
        let chips = try source.requestLines()
        onReady()
        var descriptors: [pollfd] = []
        var owners: [(chip: Int, fd: Int)] = []
        for (chipIndex, chip) in chips.enumerated() {
            for (fdIndex, fd) in chip.lines.fileDescriptors.enumerated() {
                descriptors.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
                owners.append((chipIndex, fdIndex))
            }
        }
        var buffer = [smiley_gpio_event](repeating: smiley_gpio_event(), count: 64)
        var edges: [Edge] = []
        let clock = SystemClock()
        let end = clock.monotonicNanos() + Int64(seconds * 1e9)
        while true {
            let remaining = end - clock.monotonicNanos()
            if remaining <= 0 { break }
            let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(min(remaining / 1_000_000 + 1, 1000)))
            if ready < 0 {
                if errno == EINTR { continue }
                throw SystemError(operation: "poll", errno: errno)
            }
            for (slot, owner) in owners.enumerated() where descriptors[slot].revents != 0 {
                let chip = chips[owner.chip]
                for event in try chip.lines.readEvents(fdIndex: owner.fd, into: &buffer) {
                    guard let button = chip.buttonAtOffset[event.offset] else { continue }
                    edges.append(Edge(button: button, active: event.active, timestampNanos: event.timestampNanos))
                }
            }
        }
        return EdgeTrace(edges: edges.sorted { $0.timestampNanos < $1.timestampNanos })
    }
}
