import SmileyDevice
import Testing

@Suite struct RetryBackoffTests {
    static func deadlines(
        _ backoff: inout RetryBackoff<TestClock>, failures: Int, clock: TestClock, random: UInt64
    ) -> [Duration] {
        var random = FixedRandom(value: random)
        return (0..<failures).map { _ in
            switch backoff.failed(at: clock.now, using: &random) {
            case .retry(let deadline): return clock.now.duration(to: deadline)
            }
        }
    }

    @Test func theCapDoublesFromTheInitialDelayUpToTheMaximum() {
        var backoff = RetryBackoff<TestClock>(initialMillis: 1000, maximumMillis: 5000)
        // The largest random number draws the cap itself.
        let delays = Self.deadlines(&backoff, failures: 5, clock: TestClock(), random: .max)
        #expect(
            delays == [
                .milliseconds(1000), .milliseconds(2000), .milliseconds(4000), .milliseconds(5000), .milliseconds(5000),
            ])
        #expect(backoff.failures == 5)
    }

    @Test func fullJitterDrawsFromZeroUpToTheCap() {
        var lowest = RetryBackoff<TestClock>(initialMillis: 1000, maximumMillis: 300_000)
        #expect(Self.deadlines(&lowest, failures: 3, clock: TestClock(), random: 0) == [.zero, .zero, .zero])
        var middle = RetryBackoff<TestClock>(initialMillis: 1000, maximumMillis: 300_000)
        #expect(
            Self.deadlines(&middle, failures: 3, clock: TestClock(), random: 1 << 63)
                == [.milliseconds(500), .milliseconds(1000), .milliseconds(2000)])
    }

    @Test func theDeadlineIsCountedFromTheMomentOfTheFailure() {
        let clock = TestClock()
        clock.advance(by: .seconds(7))
        var backoff = RetryBackoff<TestClock>(initialMillis: 1000, maximumMillis: 5000)
        var random = FixedRandom(value: .max)
        #expect(
            backoff.failed(at: clock.now, using: &random) == .retry(at: TestClock.Instant(offset: .milliseconds(8000))))
    }

    @Test func aSuccessStartsTheNextFailuresFromTheInitialCapAgain() {
        var backoff = RetryBackoff<TestClock>(initialMillis: 1000, maximumMillis: 300_000)
        _ = Self.deadlines(&backoff, failures: 10, clock: TestClock(), random: .max)
        #expect(backoff.capMillis == 300_000)
        backoff.succeeded()
        #expect(backoff.capMillis == 1000)
        #expect(Self.deadlines(&backoff, failures: 1, clock: TestClock(), random: .max) == [.milliseconds(1000)])
    }

    @Test func manyFailuresNeitherOverflowNorPassTheMaximum() {
        var backoff = RetryBackoff<TestClock>(initialMillis: 1000, maximumMillis: 300_000)
        let delays = Self.deadlines(&backoff, failures: 200, clock: TestClock(), random: .max)
        #expect(delays.last == .milliseconds(300_000))
        #expect(delays.allSatisfy { $0 <= .milliseconds(300_000) })
    }
}

@Suite struct UploadDecisionTests {
    static let tooFarAhead =
        "presses[3].wallClockMillis 1900000000000 is more than a day ahead of the hub's clock (1790000000000)"

    @Test func aPressTheHubRefusesByNameIsSetAside() {
        #expect(UploadDecision(status: 422, message: Self.tooFarAhead, batchCount: 10) == .setAside(index: 3))
        #expect(
            UploadDecision(status: 409, message: "presses[0]: sequence 7 of device 'd' is already held", batchCount: 1)
                == .setAside(index: 0))
        #expect(
            UploadDecision(status: 400, message: "presses[12].question: unknown question 'mood'", batchCount: 20)
                == .setAside(index: 12))
    }

    @Test func refusalsOfTheWholeBatchAndHubTroubleAreRetriedLater() {
        #expect(UploadDecision(status: 422, message: "unknown device 'd': add it", batchCount: 10) == .retryLater)
        #expect(UploadDecision(status: 409, message: "device 'd' belongs to centre 'x'", batchCount: 10) == .retryLater)
        // A token that needs fixing, a timeout, too many requests, hub trouble: never set a press aside.
        for status in [401, 403, 408, 429, 500, 502, 503] {
            #expect(UploadDecision(status: status, message: Self.tooFarAhead, batchCount: 10) == .retryLater)
        }
        // A press named outside the batch is not believed.
        #expect(UploadDecision(status: 422, message: Self.tooFarAhead, batchCount: 3) == .retryLater)
        #expect(UploadDecision(status: 422, message: "presses[-1]: x", batchCount: 3) == .retryLater)
        #expect(UploadDecision(status: 422, message: "presses[]: x", batchCount: 3) == .retryLater)
    }

    @Test func aBatchTooLargeIsSentInHalves() {
        #expect(UploadDecision(status: 413, message: "too large", batchCount: 500) == .sendSmaller(limit: 250))
        #expect(UploadDecision(status: 413, message: "too large", batchCount: 3) == .sendSmaller(limit: 1))
        #expect(UploadDecision(status: 413, message: "too large", batchCount: 1) == .setAside(index: 0))
    }
}
