import Synchronization

/// The enrollment endpoint's rate limit, shared by all requests: 5 attempts at once per client
/// address, then one every 12 seconds (an enrollment code has 32^12 values; this keeps guessing
/// hopeless and a technician's typo harmless).
final class EnrollmentGate: Sendable {
    private let limiter: Mutex<RateLimiter<ContinuousClock.Instant>>
    private let clock = ContinuousClock()

    init(limiter: RateLimiter<ContinuousClock.Instant> = RateLimiter(burst: 5, interval: .seconds(12))) {
        self.limiter = Mutex(limiter)
    }

    func admit(_ client: String) -> RateLimiter<ContinuousClock.Instant>.Decision {
        let now = clock.now
        return limiter.withLock { $0.admit(client, at: now) }
    }
}
