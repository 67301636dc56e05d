/// A buttons test as a value, driven by monotonic timestamps: a technician's request starts it, and
/// it ends by itself at its deadline, or once the last technician hung up, whichever comes first.
/// While it is active, presses are test presses; it never outlives `maximumNanos`.
public struct ButtonTestSession: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// Announce it (LEDs, log): presses are test presses until `untilNanos`.
        case started(untilNanos: Int64)
        /// Announce it and hang up on every technician: presses count again.
        case ended(EndReason)
        case none
    }

    public enum EndReason: String, Sendable, Hashable {
        case timeUp = "its time is up"
        case hungUp = "the technician hung up"
        case shutdown = "the daemon is stopping"
    }

    /// The longest a test may last, whatever a technician asks for.
    public let maximumNanos: Int64
    /// When the running test ends; nil when no test runs.
    public private(set) var endsAtNanos: Int64?
    /// The technicians connected to the running test.
    public private(set) var technicians: Set<Int> = []

    public init(maximumNanos: Int64) { self.maximumNanos = max(1, maximumNanos) }

    public func isActive(atNanos now: Int64) -> Bool { endsAtNanos.map { now < $0 } ?? false }

    /// A technician asks for a test of `requestedNanos` (at most the maximum; nil: the maximum).
    /// Joining a running test does not make it longer. (Call `advance(toNanos:)` first.)
    public mutating func join(_ technician: Int, atNanos now: Int64, forNanos requestedNanos: Int64? = nil) -> Action {
        technicians.insert(technician)
        guard endsAtNanos == nil else { return .none }
        let length = min(maximumNanos, max(1, requestedNanos ?? maximumNanos))
        let end = now.addingReportingOverflow(length)
        endsAtNanos = end.overflow ? .max : end.partialValue
        return .started(untilNanos: endsAtNanos!)
    }

    /// A technician hung up; the test ends with the last one.
    public mutating func leave(_ technician: Int) -> Action {
        guard technicians.remove(technician) != nil else { return .none }
        return technicians.isEmpty && endsAtNanos != nil ? end(.hungUp) : .none
    }

    /// Time passed: the test ends at its deadline.
    public mutating func advance(toNanos now: Int64) -> Action {
        guard let endsAtNanos, now >= endsAtNanos else { return .none }
        return end(.timeUp)
    }

    public mutating func stop() -> Action {
        endsAtNanos == nil && technicians.isEmpty ? .none : end(.shutdown)
    }

    private mutating func end(_ reason: EndReason) -> Action {
        endsAtNanos = nil
        technicians = []
        return .ended(reason)
    }
}
