import Dispatch
import Logging
import SmileyCore

/// Blinks the panel's LED (and beeps, when a buzzer is wired) after a press is stored. The blink is
/// scheduled on a queue, so acknowledging never blocks the button loop.
public final class LEDAcknowledger: Acknowledger, @unchecked Sendable {
    let outputs: GPIOOutputLines
    let ledOffsets: [Question: UInt32]
    let buzzerOffset: UInt32?
    let logger: Logger
    let queue = DispatchQueue(label: "smiley-acknowledge")
    static let blinkMillis = 250

    public init(outputs: GPIOOutputLines, ledOffsets: [Question: UInt32], buzzerOffset: UInt32?, logger: Logger) {
        self.outputs = outputs
        self.ledOffsets = ledOffsets
        self.buzzerOffset = buzzerOffset
        self.logger = logger
    }

    public func acknowledge(_ question: Question, suppressed: Bool) {
        var lit = [ledOffsets[question]].compactMap { $0 }
        // A suppressed press is stored too, but only the LED says so: no beep for a repeat.
        if !suppressed, let buzzerOffset { lit.append(buzzerOffset) }
        let offsets = lit
        queue.async { [self] in
            for offset in offsets { set(offset, on: true) }
            queue.asyncAfter(deadline: .now() + .milliseconds(Self.blinkMillis)) { [self] in
                for offset in offsets { set(offset, on: false) }
            }
        }
    }

    /// Every LED blinks three times quickly when a buttons test starts, and stays lit for a second when it ends.
    public func announceButtonsTest(active: Bool) {
        let offsets = Array(ledOffsets.values)
        let pattern: [(on: Int, off: Int)] = active ? [(100, 100), (100, 100), (100, 100)] : [(1000, 0)]
        queue.async { [self] in
            var at = 0
            for step in pattern {
                queue.asyncAfter(deadline: .now() + .milliseconds(at)) { [self] in
                    for offset in offsets { set(offset, on: true) }
                }
                at += step.on
                queue.asyncAfter(deadline: .now() + .milliseconds(at)) { [self] in
                    for offset in offsets { set(offset, on: false) }
                }
                at += step.off
            }
        }
    }

    func set(_ offset: UInt32, on: Bool) {
        do { try outputs.set(offset: offset, on: on) } catch {
            logger.warning("acknowledgement output failed: \(error)")
        }
    }
}
