/// A token bucket per client: up to `burst` requests at once, then one more every `interval`.
///
/// A value type driven by the instants it is given (no clock inside), so tests move time instead of
/// sleeping. It remembers at most `maximumClients` clients; past that it forgets those whose bucket
/// has refilled, and if all are still throttled, everyone (it fails open rather than lock out a
/// technician because someone else was busy).
public struct RateLimiter<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public enum Decision: Sendable, Equatable {
        case allow
        /// Refused; a token will be there after this long.
        case refuse(retryAfter: Duration)
    }

    struct Bucket: Sendable {
        var tokens: Int
        /// When `tokens` was last brought up to date.
        var refilled: Instant
    }

    public let burst: Int
    public let interval: Duration
    public let maximumClients: Int
    private var buckets: [String: Bucket] = [:]

    public init(burst: Int, interval: Duration, maximumClients: Int = 10_000) {
        precondition(burst >= 1 && interval > .zero && maximumClients >= 1)
        self.burst = burst
        self.interval = interval
        self.maximumClients = maximumClients
    }

    /// Takes a token for `client` at `now`, or says how long until one is there.
    public mutating func admit(_ client: String, at now: Instant) -> Decision {
        var bucket = refilled(buckets[client] ?? Bucket(tokens: burst, refilled: now), at: now)
        defer {
            buckets[client] = bucket
            if buckets.count > maximumClients { forgetRefilled(at: now) }
        }
        guard bucket.tokens > 0 else {
            return .refuse(retryAfter: interval - bucket.refilled.duration(to: now))
        }
        bucket.tokens -= 1
        return .allow
    }

    /// Clients remembered, for tests.
    public var clientCount: Int { buckets.count }

    private func refilled(_ bucket: Bucket, at now: Instant) -> Bucket {
        let elapsed = bucket.refilled.duration(to: now)
        guard elapsed >= interval else { return bucket }
        let gained = elapsed / interval >= Double(burst) ? burst : Int(elapsed / interval)
        var bucket = bucket
        bucket.tokens = min(burst, bucket.tokens + gained)
        bucket.refilled = bucket.tokens == burst ? now : bucket.refilled.advanced(by: interval * gained)
        return bucket
    }

    private mutating func forgetRefilled(at now: Instant) {
        buckets = buckets.filter { refilled($0.value, at: now).tokens < burst }
        if buckets.count > maximumClients { buckets = [:] }
    }
}
