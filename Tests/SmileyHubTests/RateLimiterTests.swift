import SmileyHub
import Testing

/// The enrollment rate limit, driven by instants: time moves, nothing sleeps.
@Suite struct RateLimiterTests {
    typealias Limiter = RateLimiter<ContinuousClock.Instant>
    let start = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant { start.advanced(by: .seconds(seconds)) }

    @Test func aBurstPassesThenOneRequestPerInterval() {
        var limiter = Limiter(burst: 3, interval: .seconds(10))
        #expect((0..<3).map { _ in limiter.admit("a", at: at(0)) } == [.allow, .allow, .allow])
        #expect(limiter.admit("a", at: at(1)) == .refuse(retryAfter: .seconds(9)))
        // Another client is not affected.
        #expect(limiter.admit("b", at: at(1)) == .allow)
        #expect(limiter.admit("a", at: at(10)) == .allow)
        #expect(limiter.admit("a", at: at(10)) == .refuse(retryAfter: .seconds(10)))
        // A long pause refills the bucket, never beyond the burst.
        #expect(
            (0..<4).map { _ in limiter.admit("a", at: at(1_000)) } == [
                .allow, .allow, .allow, .refuse(retryAfter: .seconds(10)),
            ])
    }

    @Test func partialIntervalsAreNotLost() {
        var limiter = Limiter(burst: 2, interval: .seconds(10))
        #expect(limiter.admit("a", at: at(0)) == .allow)
        #expect(limiter.admit("a", at: at(0)) == .allow)
        #expect(limiter.admit("a", at: at(15)) == .allow)
        // The token of 10 s was used at 15 s; the next is due at 20 s, not 25 s.
        #expect(limiter.admit("a", at: at(19)) == .refuse(retryAfter: .seconds(1)))
        #expect(limiter.admit("a", at: at(20)) == .allow)
    }

    @Test func itForgetsClientsWhoseBucketsRefilled() {
        var limiter = Limiter(burst: 1, interval: .seconds(10), maximumClients: 2)
        #expect(limiter.admit("a", at: at(0)) == .allow)
        #expect(limiter.admit("b", at: at(0)) == .allow)
        #expect(limiter.admit("c", at: at(20)) == .allow)
        #expect(limiter.clientCount <= 2)
        #expect(limiter.admit("c", at: at(20)) == .refuse(retryAfter: .seconds(10)))
    }
}
