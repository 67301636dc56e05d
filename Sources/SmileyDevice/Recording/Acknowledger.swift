import Logging
import SmileyCore

/// Tells the citizen a press was stored: an LED blink per panel, optionally a beep.
/// Implementations must return at once; the blink happens elsewhere.
public protocol Acknowledger: Sendable {
    func acknowledge(_ question: Question, suppressed: Bool)
    /// Shows that a buttons test started (`active`) or ended: presses are test presses meanwhile.
    func announceButtonsTest(active: Bool)
}

extension Acknowledger {
    /// By default, every panel acknowledges once.
    public func announceButtonsTest(active: Bool) {
        for question in Question.allCases { acknowledge(question, suppressed: true) }
    }
}

/// An acknowledger for simulated devices: logs at debug level.
public struct LoggingAcknowledger: Acknowledger {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func acknowledge(_ question: Question, suppressed: Bool) {
        logger.debug("acknowledged", metadata: ["panel": "\(question)", "suppressed": "\(suppressed)"])
    }
}
