import Synchronization

/// A clock that moves only when something sleeps on it: each sleep is recorded and jumps `now` to
/// its deadline at once, so tests see the waits without waiting.
final class TestClock: Clock {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleeps: [Instant] = []
    }

    private let state = Mutex(State())
    /// Sleeps after which the sleeper is cancelled (so a loop under test ends).
    let cancelAfterSleeps: Int

    init(cancelAfterSleeps: Int = .max) { self.cancelAfterSleeps = cancelAfterSleeps }

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .nanoseconds(1) }
    /// The deadlines slept until, in order.
    var sleeps: [Instant] { state.withLock { $0.sleeps } }

    func advance(by duration: Duration) { state.withLock { $0.now = $0.now.advanced(by: duration) } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let count = state.withLock { state in
            state.sleeps.append(deadline)
            state.now = max(state.now, deadline)
            return state.sleeps.count
        }
        if count >= cancelAfterSleeps { throw CancellationError() }
    }
}

/// A random source that always gives the same number.
struct FixedRandom: RandomNumberGenerator {
    var value: UInt64
    mutating func next() -> UInt64 { value }
}
