import Synchronization

/// The enrollment endpoint's rate limit, shared by all requests: 5 attempts at once per client
/// address, then one every 12 seconds (an enrollment code has 32^12 values; this keeps guessing
/// hopeless and a technician's typo harmless).
final class EnrollmentGate: Sendable {
    private let limiter: Mutex<RateLimiter<ContinuousClock.Instant>>
    private let now: @Sendable () -> ContinuousClock.Instant

    /// `now` is the monotonic clock unless a test holds time still.
    init(
        limiter: RateLimiter<ContinuousClock.Instant> = RateLimiter(burst: 5, interval: .seconds(12)),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.limiter = Mutex(limiter)
        self.now = now
    }

    func admit(_ client: String) -> RateLimiter<ContinuousClock.Instant>.Decision {
        let now = now()
        return limiter.withLock { $0.admit(client, at: now) }
    }
}
