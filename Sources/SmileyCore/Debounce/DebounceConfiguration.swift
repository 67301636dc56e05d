/// The timing rules of a ``Debouncer``. All durations are in nanoseconds of the kernel's
/// monotonic clock. See `docs/debouncer.md` for the rules with timing diagrams.
public struct DebounceConfiguration: Sendable, Hashable {
    /// A level must hold this long, with no edge at all, before it is believed; shorter glitches
    /// never count. Default 20 ms.
    public var stableWindowNanos: Int64 = 20_000_000

    /// A press is only accepted once its first edge is at least this long ago and the contact is
    /// still closed, so no counted press is shorter than this (measured from the first edge of the
    /// press to the first edge of its release). Values below ``stableWindowNanos`` add nothing.
    /// Default 30 ms: quicker than any deliberate tap, longer than the interference pulses long
    /// wires pick up.
    public var minimumPressNanos: Int64 = 30_000_000

    /// After a counted press, further presses on the same panel whose first edge falls within this
    /// interval of the counted press's first edge are emitted with `suppressed: true`. Default 5 s.
    public var responseIntervalNanos: Int64 = 5_000_000_000

    /// Overrides of ``responseIntervalNanos`` for single panels, keyed by ``ButtonSpec/panel``.
    public var panelResponseIntervalNanos: [Int: Int64] = [:]

    /// A button held longer than this is reported stuck; that hold never counts as a press.
    /// Default 10 s.
    public var stuckLimitNanos: Int64 = 10_000_000_000

    public init(
        stableWindowNanos: Int64 = 20_000_000,
        minimumPressNanos: Int64 = 30_000_000,
        responseIntervalNanos: Int64 = 5_000_000_000,
        panelResponseIntervalNanos: [Int: Int64] = [:],
        stuckLimitNanos: Int64 = 10_000_000_000
    ) {
        self.stableWindowNanos = stableWindowNanos
        self.minimumPressNanos = minimumPressNanos
        self.responseIntervalNanos = responseIntervalNanos
        self.panelResponseIntervalNanos = panelResponseIntervalNanos
        self.stuckLimitNanos = stuckLimitNanos
    }

    /// The response interval that applies to `panel`.
    public func responseIntervalNanos(forPanel panel: Int) -> Int64 {
        panelResponseIntervalNanos[panel] ?? responseIntervalNanos
    }
}
