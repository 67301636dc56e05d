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

    public init(button: Int, pressedAtNanos: Int64, suppressed: Bool = false, chord: Bool = false) {
        self.button = button
        self.pressedAtNanos = pressedAtNanos
        self.suppressed = suppressed || chord
        self.chord = chord
    }
}
