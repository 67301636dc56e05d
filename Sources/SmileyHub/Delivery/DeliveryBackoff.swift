/// When to try a failed delivery again: doubling waits from `firstWait` up to `longestWait`, and giving up
/// after `maximumAttempts`. A value, so the schedule is tested with plain numbers.
public struct DeliveryBackoff: Sendable, Hashable {
    public var firstWaitMillis: Int64
    public var longestWaitMillis: Int64
    public var maximumAttempts: Int

    public init(firstWaitMillis: Int64 = 30_000, longestWaitMillis: Int64 = 3_600_000, maximumAttempts: Int = 12) {
        self.firstWaitMillis = firstWaitMillis
        self.longestWaitMillis = longestWaitMillis
        self.maximumAttempts = maximumAttempts
    }

    /// After the `attempts`-th failed attempt (1 = the first) at `nowMillis`: when to try again, or nil to give
    /// up. Defaults: 30 s, 1 min, 2 min, ... capped at 1 h; twelve attempts span about 5 hours.
    public func nextAttempt(afterAttempts attempts: Int, nowMillis: Int64) -> Int64? {
        guard attempts < maximumAttempts else { return nil }
        var wait = firstWaitMillis
        for _ in 1..<max(1, attempts) where wait < longestWaitMillis { wait *= 2 }
        return nowMillis + min(wait, longestWaitMillis)
    }
}
