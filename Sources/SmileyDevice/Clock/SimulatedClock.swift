import Synchronization

/// A clock that moves only when told to: for tests and for replaying history in the demo.
///
/// Its monotonic clock starts at 0 at the simulated boot, whose wall-clock time is `bootWallClockMillis`.
public final class SimulatedClock: DeviceClock {
    private struct State {
        var monotonicNanos: Int64 = 0
        var bootWallClockMillis: Int64
        var synchronised: Bool
    }

    private let state: Mutex<State>

    public init(bootWallClockMillis: Int64, synchronised: Bool = true) {
        state = Mutex(State(bootWallClockMillis: bootWallClockMillis, synchronised: synchronised))
    }

    public func monotonicNanos() -> Int64 { state.withLock { $0.monotonicNanos } }

    public func wallClockMillis() -> Int64 {
        state.withLock { $0.bootWallClockMillis + $0.monotonicNanos / 1_000_000 }
    }

    public func isSynchronised() -> Bool { state.withLock { $0.synchronised } }

    public func wallClockMillis(atMonotonic nanos: Int64) -> Int64 {
        state.withLock { $0.bootWallClockMillis + nanos / 1_000_000 }
    }

    /// Moves the monotonic clock forward to `nanos` (never backwards).
    public func advance(toMonotonic nanos: Int64) {
        state.withLock { $0.monotonicNanos = max($0.monotonicNanos, nanos) }
    }

    /// The monotonic instant at which the wall clock reads `millis`.
    public func monotonicNanos(atWallClock millis: Int64) -> Int64 {
        state.withLock { (millis - $0.bootWallClockMillis) * 1_000_000 }
    }

    public func setSynchronised(_ synchronised: Bool) { state.withLock { $0.synchronised = synchronised } }

    /// Sets the wall clock, as NTP does once it reaches a time server: the wall clock jumps, the
    /// monotonic clock does not.
    public func setWallClock(millis: Int64, synchronised: Bool = true) {
        state.withLock {
            $0.bootWallClockMillis = millis - $0.monotonicNanos / 1_000_000
            $0.synchronised = synchronised
        }
    }
}
