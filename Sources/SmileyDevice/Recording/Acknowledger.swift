import Logging
import SmileyCore

/// Tells the citizen a press was stored: an LED blink per panel, optionally a beep.
/// Implementations must return at once; the blink happens elsewhere.
public protocol Acknowledger: Sendable {
    func acknowledge(_ question: Question, suppressed: Bool)
}

/// An acknowledger for simulated devices: logs at debug level.
public struct LoggingAcknowledger: Acknowledger {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func acknowledge(_ question: Question, suppressed: Bool) {
        logger.debug("acknowledged", metadata: ["panel": "\(question)", "suppressed": "\(suppressed)"])
    }
}
