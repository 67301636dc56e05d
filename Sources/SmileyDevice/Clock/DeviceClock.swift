/// The device's two clocks: the kernel's monotonic clock (GPIO event timestamps use it) and the
/// wall clock, which on a Pi without a clock battery is only right once it has been synchronised.
public protocol DeviceClock: Sendable {
    /// The kernel's monotonic clock now, in nanoseconds.
    func monotonicNanos() -> Int64
    /// The wall clock now, in milliseconds since 1970.
    func wallClockMillis() -> Int64
    /// Whether the kernel believes the wall clock is synchronised right now.
    func isSynchronised() -> Bool
    /// The wall-clock time of an earlier monotonic instant (a GPIO event's kernel timestamp),
    /// so a press is dated when the button moved, not when user space woke up.
    func wallClockMillis(atMonotonic nanos: Int64) -> Int64
}

extension DeviceClock {
    public func wallClockMillis(atMonotonic nanos: Int64) -> Int64 {
        let ageNanos = max(0, monotonicNanos() - nanos)
        return wallClockMillis() - ageNanos / 1_000_000
    }
}
