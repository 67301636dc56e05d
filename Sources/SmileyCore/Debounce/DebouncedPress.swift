/// A press the debouncer believes in.
public struct DebouncedPress: Sendable, Hashable {
    public var button: Int
    /// Timestamp of the first edge of the press (the moment the citizen pressed).
    public var pressedAtNanos: Int64
    /// Kept, never counted: a further press within the panel's response interval, or part of a
    /// chord.
    public var suppressed: Bool
    /// The press overlapped a press of another button of the same panel (two faces at once).
    /// A chord press is always `suppressed`.
    public var chord: Bool
    /// Timestamp of the first edge of the release: the press is decided one stable window later.
    public var releasedAtNanos: Int64

    public init(
        button: Int, pressedAtNanos: Int64, suppressed: Bool = false, chord: Bool = false, releasedAtNanos: Int64? = nil
    ) {
        self.button = button
        self.pressedAtNanos = pressedAtNanos
        self.releasedAtNanos = releasedAtNanos ?? pressedAtNanos
        self.suppressed = suppressed || chord
        self.chord = chord
    }

    /// Two presses are the same press when button, first edge and flags agree; the release time is
    /// timing detail (for latency figures), not part of what was pressed.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.button == rhs.button && lhs.pressedAtNanos == rhs.pressedAtNanos && lhs.suppressed == rhs.suppressed
            && lhs.chord == rhs.chord
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(button)
        hasher.combine(pressedAtNanos)
        hasher.combine(suppressed)
        hasher.combine(chord)
    }
}
