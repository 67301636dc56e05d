import Logging
import SmileyCore

/// Turns debounced presses into stored presses: dates them from the kernel timestamp, stores them
/// durably, then (and only then) acknowledges them and wakes the uploader.
public struct PressRecorder: Sendable {
    let store: DeviceStore
    let clock: any DeviceClock
    let boot: String
    let answers: [Answer]
    let acknowledger: any Acknowledger
    let uploadSignal: UploadSignal
    let health: DeviceHealth
    /// Line names of the buttons, for health reports.
    let lines: [String]
    /// While a buttons test is connected, presses go to the technician, not to the hub.
    let testMode: TestMode?
    let logger: Logger

    public init(
        store: DeviceStore, clock: any DeviceClock, boot: String, answers: [Answer],
        acknowledger: any Acknowledger, uploadSignal: UploadSignal, health: DeviceHealth = DeviceHealth(),
        lines: [String] = [], testMode: TestMode? = nil, logger: Logger
    ) {
        self.testMode = testMode
        self.health = health
        self.lines = lines
        self.store = store
        self.clock = clock
        self.boot = boot
        self.answers = answers
        self.acknowledger = acknowledger
        self.uploadSignal = uploadSignal
        self.logger = logger
    }

    /// Handles one debouncer output; returns the stored sequence number for presses.
    @discardableResult
    public func handle(_ output: DebounceOutput) throws -> Int64? {
        switch output {
        case .press(let press) where testMode?.isActive == true:
            let answer = answers[press.button]
            try store.recordTest(
                answer, monotonicNanos: press.pressedAtNanos, suppressed: press.suppressed,
                recordedAtMillis: clock.wallClockMillis())
            acknowledger.acknowledge(answer.question, suppressed: press.suppressed)
            testMode?.broadcast(
                ButtonTestEvent(
                    event: "press", line: line(press.button), question: answer.question.rawValue, answer: answer.name,
                    suppressed: press.suppressed, chord: press.chord, atNanos: press.pressedAtNanos))
            return nil
        case .press(let press):
            let answer = answers[press.button]
            let recorded = RecordedPress(
                boot: boot, answer: answer, monotonicNanos: press.pressedAtNanos,
                wallClockMillis: clock.wallClockMillis(atMonotonic: press.pressedAtNanos),
                clockSynchronised: clock.isSynchronised(), suppressed: press.suppressed)
            let sequence = try store.record(recorded, recordedAtMillis: clock.wallClockMillis())
            health.pressed(atMillis: recorded.wallClockMillis, suppressed: press.suppressed)
            acknowledger.acknowledge(answer.question, suppressed: press.suppressed)
            let committed = clock.monotonicNanos()
            uploadSignal.notify()
            logger.debug(
                "press stored",
                metadata: [
                    "sequence": "\(sequence)", "answer": "\(answer)", "suppressed": "\(press.suppressed)",
                    // Kernel timestamp of the release edge to the durable commit (window included).
                    "release_to_commit_us": "\((committed - press.releasedAtNanos) / 1000)",
                    "press_to_commit_us": "\((committed - press.pressedAtNanos) / 1000)",
                ])
            return sequence
        case .stuck(let button, let since):
            health.setStuck(line(button), true)
            testMode?.broadcast(ButtonTestEvent(event: "stuck", line: line(button), atNanos: since))
            logger.warning(
                "button stuck: \(answers[button]) held since \(since) ns; it counts nothing until released")
            return nil
        case .stuckCleared(let button, let at):
            health.setStuck(line(button), false)
            testMode?.broadcast(ButtonTestEvent(event: "stuck-cleared", line: line(button), atNanos: at))
            logger.notice("button released: \(answers[button]) is no longer stuck")
            return nil
        case .eventsLost(let count, _):
            health.addLostEvents(count)
            logger.warning("the kernel dropped \(count) GPIO events; presses around them were not counted")
            return nil
        }
    }

    func line(_ button: Int) -> String { lines.indices.contains(button) ? lines[button] : "button \(button)" }
}
