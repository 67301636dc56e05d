/// Level-based debouncer for the smiley panels: a pure state machine over kernel edge events.
///
/// Time is plain data (kernel monotonic nanoseconds), so tests drive it without a clock. The event
/// loop feeds every edge to ``receive(_:)``, arms a timer for ``nextDeadline`` and calls
/// ``advance(to:)`` when it fires. The rules, with timing diagrams, are in `docs/debouncer.md`:
///
/// - **Level, not alternation.** Each edge only says "the level is now X". Any edge, even one that
///   repeats the level already held, restarts the stable window. A level is believed once no edge
///   has arrived for ``DebounceConfiguration/stableWindowNanos``; a press is additionally accepted
///   only once its first edge is ``DebounceConfiguration/minimumPressNanos`` old.
/// - **First edge.** A burst is the run of edges with gaps shorter than the window. A press is
///   stamped with the first edge of the burst that started it, never with the moment the window
///   elapsed; the same holds for releases.
/// - **A press counts on its debounced release.** Counting when the press is accepted would be
///   quicker, but three rules need the whole press before deciding: a hold longer than the stuck
///   limit must not count at all, two buttons held together must not count at all, and the
///   minimum length is measured to the release. The recorded time is the first edge either way,
///   so the statistics do not change; only the moment of emission is later (release + window).
/// - **Response interval.** Per panel, a press whose first edge is within the response interval
///   of the last *counted* press of that panel is emitted with `suppressed: true`. Suppressed
///   presses do not extend the interval.
/// - **Stuck.** A button whose debounced press has lasted the stuck limit (judged once any edges
///   near the limit have settled) raises ``DebounceOutput/stuck(button:heldSinceNanos:)``; its
///   release clears it with ``DebounceOutput/stuckCleared(button:releasedAtNanos:)`` and is not a
///   press.
/// - **Two together.** If the debounced pressed intervals of two buttons of one panel overlap, the
///   citizen gave no single answer: both presses are emitted with `suppressed: true, chord: true`
///   and neither starts a response interval. Buttons held from start-up, held across lost events or
///   already stuck take no part in chords, so a jammed face does not silence its panel.
/// - **Lost events.** ``eventsLost(count:at:levels:)`` forgets what was pending, abandons presses in
///   progress and makes every button prove one quiet window before anything it does counts again.
/// - **Initial levels.** ``setInitialLevels(_:at:)`` takes the levels read at start-up; a button
///   already held then is a hold of unknown start, and its release is not a press.
public struct Debouncer: Sendable {
    struct ButtonState: Sendable {
        /// Compact panel index into `panels`.
        let panel: Int
        /// The level of the most recent edge.
        var raw = false
        /// The believed level.
        var debounced = false
        /// Timestamp of the most recent edge; meaningful while `burstStart` is set.
        var lastEdgeNanos: Int64 = 0
        /// First edge of the activity not yet settled, if any.
        var burstStart: Int64?
        /// Set by lost events; cleared once the line has been quiet for a window.
        var unsynced = false
        /// First edge of the current debounced press (valid while `debounced`).
        var pressStart: Int64 = 0
        /// Whether the current debounced press may become a press output.
        var countable = false
        /// Whether the current press overlapped a countable press of another button of its panel.
        var overlapped = false
        /// Whether the current press passed the stuck limit.
        var stuck = false
    }

    struct PanelState: Sendable {
        let responseIntervalNanos: Int64
        var lastCountedNanos: Int64?
    }

    public let configuration: DebounceConfiguration
    private var buttons: [ButtonState]
    private var panels: [PanelState]
    /// The latest time seen; edges and calls stamped earlier are treated as happening now.
    private var clock: Int64 = .min

    private var window: Int64 { configuration.stableWindowNanos }

    public init(buttons: [ButtonSpec], configuration: DebounceConfiguration = .init()) {
        precondition(configuration.stableWindowNanos >= 0, "stable window must not be negative")
        precondition(configuration.minimumPressNanos >= 0, "minimum press must not be negative")
        precondition(configuration.responseIntervalNanos >= 0, "response interval must not be negative")
        precondition(configuration.stuckLimitNanos > 0, "stuck limit must be positive")
        self.configuration = configuration
        var panelIndex: [Int: Int] = [:]
        var panels: [PanelState] = []
        self.buttons = buttons.map { spec in
            let index: Int
            if let known = panelIndex[spec.panel] {
                index = known
            } else {
                index = panels.count
                panelIndex[spec.panel] = index
                panels.append(
                    PanelState(responseIntervalNanos: configuration.responseIntervalNanos(forPanel: spec.panel)))
            }
            return ButtonState(panel: index)
        }
        self.panels = panels
    }

    // MARK: Queries

    /// Number of buttons this debouncer watches.
    public var buttonCount: Int { buttons.count }

    /// The debounced level of `button`: `true` while a press (counting or not) is believed held.
    public func isPressed(_ button: Int) -> Bool { buttons[button].debounced }

    /// Whether `button` is currently flagged stuck.
    public func isStuck(_ button: Int) -> Bool { buttons[button].stuck }

    /// The earliest time `advance(to:)` has a decision to make (a stable window expiring, a press
    /// reaching its minimum length, a hold reaching the stuck limit), or `nil` when every button is
    /// settled and nothing can happen without a new edge. The event loop arms a timer for it and
    /// otherwise sleeps. It may lie in the past; then call `advance(to:)` at once.
    ///
    /// Read every edge the kernel has queued before calling `advance(to:)`: a decision taken at
    /// time T cannot be undone by an edge stamped before T that was read later.
    public var nextDeadline: Int64? {
        var earliest: Int64?
        for state in buttons {
            if let due = dueTime(state), earliest.map({ due < $0 }) ?? true { earliest = due }
        }
        return earliest
    }

    // MARK: Inputs

    /// Feeds one kernel edge. Decisions due at or before the edge's timestamp are taken first, in
    /// time order, and returned. The edge itself decides nothing at once: it starts or restarts a
    /// stable window, and ``nextDeadline`` says when that window can be judged.
    public mutating func receive(_ edge: Edge) -> [DebounceOutput] {
        precondition(buttons.indices.contains(edge.button), "edge for unknown button \(edge.button)")
        let now = max(edge.timestampNanos, clock)
        let outputs = advance(to: now)
        let index = edge.button
        var state = buttons[index]
        if state.burstStart != nil, state.raw == state.debounced, now - state.lastEdgeNanos >= window {
            // The line went back to the believed level and stayed there a full window: a glitch.
            state.burstStart = nil
            state.unsynced = false
        }
        if state.burstStart == nil { state.burstStart = now }
        state.raw = edge.active
        state.lastEdgeNanos = now
        buttons[index] = state
        return outputs
    }

    /// Takes every decision due at or before `nowNanos`, in time order. Decisions due at the same
    /// instant go releases first, then presses, then stuck limits, each by button index; so two
    /// buttons only make a chord if both are believed pressed at one moment.
    public mutating func advance(to nowNanos: Int64) -> [DebounceOutput] {
        var outputs: [DebounceOutput] = []
        if nowNanos > clock { clock = nowNanos }
        while true {
            var next: (time: Int64, rank: Int, index: Int)?
            for index in buttons.indices {
                let state = buttons[index]
                guard let due = dueTime(state), due <= nowNanos else { continue }
                let rank = state.raw == state.debounced ? 2 : state.raw ? 1 : 0
                if next.map({ (due, rank) < ($0.time, $0.rank) }) ?? true { next = (due, rank, index) }
            }
            guard let next else { return outputs }
            if next.rank == 2 {
                markStuck(next.index, into: &outputs)
            } else {
                flip(next.index, into: &outputs)
            }
        }
    }

    /// Tells the debouncer that the kernel dropped `count` edge events (libgpiod 2.x reports a gap in
    /// the event sequence numbers); `atNanos` is the timestamp of the first event after the gap, or
    /// the time the gap was noticed. Pass the `levels` re-read from the lines, if any, one per
    /// button.
    ///
    /// Safe resynchronisation: decisions still pending are forgotten, a press in progress is
    /// abandoned (it never becomes a press output), and each button must then stay quiet for one
    /// stable window before anything it does counts. A button that settles pressed is treated like
    /// one held at start-up: its release does not count. No press is ever made from the edges
    /// around a loss.
    public mutating func eventsLost(count: Int, at atNanos: Int64, levels: [Bool]? = nil) -> [DebounceOutput] {
        precondition(count >= 0, "lost event count must not be negative")
        precondition(levels.map { $0.count == buttons.count } ?? true, "one level per button")
        let now = max(atNanos, clock)
        clock = now
        for index in buttons.indices {
            var state = buttons[index]
            if state.debounced { state.countable = false }
            if let levels { state.raw = levels[index] }
            if state.burstStart == nil { state.burstStart = now }
            state.lastEdgeNanos = now
            state.unsynced = true
            buttons[index] = state
        }
        return [.eventsLost(count: count, atNanos: now)]
    }

    /// Sets the levels read from the lines at start-up, one per button, replacing everything the
    /// debouncer believed about the buttons (panels' response intervals are kept). A button
    /// already held is a hold of unknown start: its release is not a press, and if it stays held
    /// for the stuck limit from `atNanos` it is reported stuck.
    public mutating func setInitialLevels(_ levels: [Bool], at atNanos: Int64) {
        precondition(levels.count == buttons.count, "one level per button")
        if atNanos > clock { clock = atNanos }
        for index in buttons.indices {
            var state = ButtonState(panel: buttons[index].panel)
            state.raw = levels[index]
            state.debounced = levels[index]
            state.lastEdgeNanos = atNanos
            state.pressStart = atNanos
            buttons[index] = state
        }
    }

    // MARK: Decisions

    /// When the believed level of `state` may change, if a change is pending.
    private func flipTime(_ state: ButtonState) -> Int64? {
        guard state.raw != state.debounced, let start = state.burstStart else { return nil }
        let quiet = state.lastEdgeNanos + window
        return state.raw ? max(quiet, start + configuration.minimumPressNanos) : quiet
    }

    /// When the current hold of `state` can be judged to have reached the stuck limit. Not while a
    /// release is pending, and not before edges near the limit have settled: a release that began
    /// before the limit is a press, however long its bounce; an open glitch across the limit is not.
    private func stuckTime(_ state: ButtonState) -> Int64? {
        guard state.debounced, state.raw, !state.stuck else { return nil }
        let limit = state.pressStart + configuration.stuckLimitNanos
        guard state.burstStart != nil else { return limit }
        return max(limit, state.lastEdgeNanos + window)
    }

    private func dueTime(_ state: ButtonState) -> Int64? {
        flipTime(state) ?? stuckTime(state)
    }

    private mutating func flip(_ index: Int, into outputs: inout [DebounceOutput]) {
        var state = buttons[index]
        let changeStart = state.burstStart ?? state.lastEdgeNanos
        let wasUnsynced = state.unsynced
        state.burstStart = nil
        state.unsynced = false
        if state.raw {
            state.debounced = true
            state.pressStart = changeStart
            state.stuck = false
            state.overlapped = false
            state.countable = !wasUnsynced
            if state.countable {
                for other in buttons.indices
                where other != index && buttons[other].panel == state.panel && buttons[other].debounced
                    && buttons[other].countable
                {
                    buttons[other].overlapped = true
                    state.overlapped = true
                }
            }
        } else {
            state.debounced = false
            if state.stuck {
                outputs.append(.stuckCleared(button: index, releasedAtNanos: changeStart))
            } else if state.countable {
                outputs.append(.press(count(button: index, state: state, releasedAt: changeStart)))
            }
            state.stuck = false
            state.countable = false
            state.overlapped = false
        }
        buttons[index] = state
    }

    /// Applies the chord and response-interval rules to a finished press.
    private mutating func count(button index: Int, state: ButtonState, releasedAt: Int64) -> DebouncedPress {
        var panel = panels[state.panel]
        let chord = state.overlapped
        var suppressed = chord
        if !suppressed, let last = panel.lastCountedNanos, state.pressStart < last + panel.responseIntervalNanos {
            suppressed = true
        }
        if !suppressed {
            panel.lastCountedNanos = state.pressStart
            panels[state.panel] = panel
        }
        return DebouncedPress(
            button: index, pressedAtNanos: state.pressStart, suppressed: suppressed, chord: chord,
            releasedAtNanos: releasedAt)
    }

    private mutating func markStuck(_ index: Int, into outputs: inout [DebounceOutput]) {
        // Called once the line has been quiet for a window: any open glitch is over.
        buttons[index].burstStart = nil
        buttons[index].unsynced = false
        buttons[index].stuck = true
        buttons[index].countable = false
        outputs.append(.stuck(button: index, heldSinceNanos: buttons[index].pressStart))
    }
}
