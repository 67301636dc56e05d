/// Where in time a press belongs, as the hub decides it.
///
/// A Raspberry Pi has no clock battery: after a power cut its wall clock may read 1970 until NTP
/// sets it. The kernel's monotonic clock, though, runs steadily from boot. So within one boot,
/// `wall = monotonic + offset`, and one trustworthy reading of that offset dates every press of the
/// boot. Readings come from presses taken while the clock was synchronised (exact to NTP's
/// accuracy), or from the hub's own clock when a request of that boot arrives (the device's
/// monotonic clock at sending against the hub's clock at receiving: late by the request's transit
/// time, so the smallest reading of a boot is the best and the error is at most that transit time).
public enum PressPlacement: Sendable, Hashable {
    /// The device's own wall clock was synchronised when the press was taken.
    case deviceClock(millis: Int64)
    /// Dated from the boot's monotonic-to-wall offset.
    case corrected(millis: Int64)
    /// Nothing is known yet about this boot's clock: kept, counted, left out of the heatmaps.
    case uncertain

    public var millis: Int64? {
        switch self {
        case .deviceClock(let millis), .corrected(let millis): millis
        case .uncertain: nil
        }
    }

    public var status: String {
        switch self {
        case .deviceClock: "device-clock"
        case .corrected: "corrected"
        case .uncertain: "uncertain"
        }
    }

    /// Places a press given the best known offset (wall millis minus monotonic millis) of its boot.
    /// A placement that would overflow or fall outside `WireLimits.plausibleMillis` stays uncertain.
    public static func place(_ press: Press, bootOffsetMillis: Int64?) -> PressPlacement {
        if press.clockSynchronised { return .deviceClock(millis: press.wallClockMillis) }
        if let offset = bootOffsetMillis,
            let millis = correctedMillis(monotonicNanos: press.monotonicNanos, offsetMillis: offset)
        {
            return .corrected(millis: millis)
        }
        return .uncertain
    }

    /// `monotonic millis + offset`, or nil when that overflows or is not a plausible time.
    public static func correctedMillis(monotonicNanos: Int64, offsetMillis: Int64) -> Int64? {
        let (millis, overflow) = (monotonicNanos / 1_000_000).addingReportingOverflow(offsetMillis)
        guard !overflow, WireLimits.plausibleMillis.contains(millis) else { return nil }
        return millis
    }

    /// The offset a synchronised press reveals about its boot (nil for an unsynchronised one).
    public static func offset(of press: Press) -> Int64? {
        press.clockSynchronised ? difference(press.wallClockMillis, press.monotonicNanos) : nil
    }

    /// The offset a synchronised clock reading reveals about its boot (nil for an unsynchronised one).
    public static func offset(ofSynchronised sample: ClockSample) -> Int64? {
        sample.synchronised ? difference(sample.wallClockMillis, sample.monotonicNanos) : nil
    }

    /// The offset a request reveals: hub clock at receiving minus device monotonic clock at sending.
    public static func offset(of sample: ClockSample, receivedAtHubMillis: Int64) -> Int64? {
        difference(receivedAtHubMillis, sample.monotonicNanos)
    }

    /// `wallMillis - monotonicNanos / 10^6`, nil on overflow.
    static func difference(_ wallMillis: Int64, _ monotonicNanos: Int64) -> Int64? {
        let (offset, overflow) = wallMillis.subtractingReportingOverflow(monotonicNanos / 1_000_000)
        return overflow ? nil : offset
    }
}
