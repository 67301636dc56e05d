/// Which panel a button belongs to; buttons of one panel share the response interval, and two of
/// them held together make a chord.
public struct ButtonSpec: Sendable, Hashable {
    /// Any number naming the panel; buttons with equal numbers are on the same panel.
    public var panel: Int

    public init(panel: Int) { self.panel = panel }
}
