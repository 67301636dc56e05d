/// When to try the hub again after failures in a row: exponential backoff with "full jitter"
/// (docs/protocol.md): after the n-th failure, a delay drawn uniformly from 0 up to
/// min(maximum, initial × 2^(n−1)), so devices that lost the hub together do not return together.
///
/// A value driven by its clock's instants: the uploader reports outcomes and waits until the deadline
/// it is given; tests use a test clock's instants and a fixed random source.
public struct RetryBackoff<C: Clock>: Sendable where C.Duration == Duration {
    public enum Action: Sendable, Equatable {
        /// Try again at this instant of the clock.
        case retry(at: C.Instant)
    }

    public let initialMillis: Int
    public let maximumMillis: Int
    /// Failures since the last success.
    public private(set) var failures = 0

    public init(initialMillis: Int, maximumMillis: Int) {
        self.initialMillis = max(1, initialMillis)
        self.maximumMillis = max(self.initialMillis, maximumMillis)
    }

    public init(_ settings: UploadSettings) {
        self.init(initialMillis: settings.initialRetryMillis, maximumMillis: settings.maximumRetryMillis)
    }

    /// The upper bound of the delay that follows if the attempt now under way fails.
    public var capMillis: Int {
        let exponent = min(failures, 30)
        return min(maximumMillis, initialMillis << exponent)
    }

    /// An attempt failed at `now`: when to make the next one.
    public mutating func failed(at now: C.Instant, using random: inout some RandomNumberGenerator) -> Action {
        let cap = UInt64(capMillis)
        failures += 1
        // A uniform draw from 0...cap without rejection sampling, so a fixed source gives a fixed delay.
        let millis = random.next().multipliedFullWidth(by: cap + 1).high
        return .retry(at: now.advanced(by: .milliseconds(Int64(millis))))
    }

    /// An attempt succeeded: the next failure starts again from the initial cap.
    public mutating func succeeded() { failures = 0 }
}
