/// A change of one button's logical level, as the kernel reported it.
///
/// Edges are taken as level samples, not as toggles: a bouncing contact can report two edges of the
/// same direction in a row (the opposite edge between them was too short for the kernel to see), and
/// the debouncer only trusts `active` as "the level right after this moment".
public struct Edge: Sendable, Hashable {
    /// Index of the button in the debouncer's button list.
    public var button: Int
    /// Logical level after the edge: `true` while pressed (active-low wiring is already undone).
    public var active: Bool
    /// The kernel's monotonic timestamp of the edge, in nanoseconds.
    public var timestampNanos: Int64

    public init(button: Int, active: Bool, timestampNanos: Int64) {
        self.button = button
        self.active = active
        self.timestampNanos = timestampNanos
    }
}
