import SmileyCore
import Testing

/// Milliseconds (may be fractional) to kernel nanoseconds.
func ns(_ milliseconds: Double) -> Int64 { Int64((milliseconds * 1_000_000).rounded()) }

/// Traces start well after boot, like real monotonic timestamps.
let traceOrigin: Int64 = 1_000_000_000_000

/// A trace of edges written as data: `(ms, button, level)` with `ms` relative to `traceOrigin`.
struct DebounceTrace: Sendable {
    typealias Step = (ms: Double, button: Int, level: Bool)

    var steps: [Step]

    init(_ steps: [Step] = []) { self.steps = steps }

    static func + (lhs: DebounceTrace, rhs: DebounceTrace) -> DebounceTrace {
        DebounceTrace(lhs.steps + rhs.steps)
    }

    /// The edges in time order (stable for equal times, so a trace may repeat a timestamp).
    var edges: [Edge] {
        steps.enumerated()
            .sorted { ($0.element.ms, $0.offset) < ($1.element.ms, $1.offset) }
            .map { Edge(button: $0.element.button, active: $0.element.level, timestampNanos: at($0.element.ms)) }
    }

    /// A contact moving to `level` at `ms`, then toggling at each of the `bounces` offsets (ms after
    /// `ms`) and ending at `level`. An odd number of offsets would end on the wrong level, so it
    /// is refused.
    static func transition(button: Int, to level: Bool, at ms: Double, bounces: [Double] = []) -> DebounceTrace {
        precondition(bounces.count.isMultiple(of: 2), "a bounce burst must end on the level it started for")
        var steps: [Step] = [(ms, button, level)]
        var current = level
        for offset in bounces {
            current.toggle()
            steps.append((ms + offset, button, current))
        }
        return DebounceTrace(steps)
    }

    /// A whole press: closes at `ms`, opens `holdMs` later, each with its own bounce burst.
    static func press(
        button: Int, at ms: Double, hold holdMs: Double,
        pressBounces: [Double] = [], releaseBounces: [Double] = []
    ) -> DebounceTrace {
        transition(button: button, to: true, at: ms, bounces: pressBounces)
            + transition(button: button, to: false, at: ms + holdMs, bounces: releaseBounces)
    }
}

/// A nanosecond timestamp `ms` after the trace origin.
func at(_ ms: Double) -> Int64 { traceOrigin + ns(ms) }

/// Bounce offsets for a burst of `duration` ms: `count` toggles (even) spread over it, uneven
/// like real contacts.
func burst(_ duration: Double, toggles count: Int = 8) -> [Double] {
    precondition(count.isMultiple(of: 2) && count >= 2)
    // Gaps grow towards the end, as a settling contact's do.
    let weights = (1...count).map { Double($0) }
    let total = weights.reduce(0, +)
    var offset = 0.0
    return weights.map { weight in
        offset += duration * weight / total
        return offset
    }
}

/// One output and the time the event loop received it.
struct Emitted: Sendable, Hashable, CustomStringConvertible {
    var atNanos: Int64
    var output: DebounceOutput

    var description: String { "@\(Double(atNanos - traceOrigin) / 1e6)ms \(output)" }
}

extension DebounceOutput {
    var press: DebouncedPress? {
        if case .press(let press) = self { press } else { nil }
    }
}

extension [Emitted] {
    var presses: [DebouncedPress] { compactMap(\.output.press) }
    var counted: [DebouncedPress] { presses.filter { !$0.suppressed } }
    var suppressed: [DebouncedPress] { presses.filter(\.suppressed) }
    var outputs: [DebounceOutput] { map(\.output) }
}

/// The satisfaction panel (buttons 0...3, panel 1) and the accessibility panel (4...6, panel 2).
let appliancePanels: [ButtonSpec] =
    Array(repeating: ButtonSpec(panel: 1), count: 4)
    + Array(repeating: ButtonSpec(panel: 2), count: 3)

/// Drives a debouncer the way the device's event loop does: every edge goes to `receive`; between
/// edges the loop sleeps until `nextDeadline` (its timerfd) and calls `advance(to:)`.
///
/// At each timer it also checks that `nextDeadline` is honest: advancing to one nanosecond before
/// it decides nothing, and advancing to it moves the deadline on.
struct DebounceHarness {
    var debouncer: Debouncer
    private(set) var emitted: [Emitted] = []
    private(set) var now: Int64 = .min
    /// The deadlines the loop slept until.
    private(set) var timers: [Int64] = []

    init(buttons: [ButtonSpec] = appliancePanels, configuration: DebounceConfiguration = .init()) {
        debouncer = Debouncer(buttons: buttons, configuration: configuration)
    }

    mutating func setInitialLevels(_ levels: [Bool], atMs ms: Double) {
        debouncer.setInitialLevels(levels, at: at(ms))
        now = max(now, at(ms))
    }

    mutating func feed(_ trace: DebounceTrace) {
        for edge in trace.edges { feed(edge) }
    }

    mutating func feed(_ edge: Edge) {
        sleep(until: edge.timestampNanos)
        record(debouncer.receive(edge), at: edge.timestampNanos)
    }

    mutating func eventsLost(count: Int, atMs ms: Double, levels: [Bool]? = nil) {
        sleep(until: at(ms))
        record(debouncer.eventsLost(count: count, at: at(ms), levels: levels), at: at(ms))
    }

    /// Lets time pass to `ms` with no edges.
    mutating func run(untilMs ms: Double) {
        sleep(until: at(ms))
        record(debouncer.advance(to: at(ms)), at: at(ms))
    }

    private mutating func sleep(until limit: Int64) {
        while let deadline = debouncer.nextDeadline, deadline <= limit {
            if deadline > now {
                let early = debouncer.advance(to: deadline - 1)
                #expect(early.isEmpty, "advance before nextDeadline decided \(early)")
            }
            timers.append(deadline)
            record(debouncer.advance(to: deadline), at: max(deadline, now))
            if let after = debouncer.nextDeadline, after <= deadline {
                Issue.record("nextDeadline did not move on from \(deadline): \(after)")
                return
            }
        }
    }

    private mutating func record(_ outputs: [DebounceOutput], at time: Int64) {
        now = max(now, time)
        emitted += outputs.map { Emitted(atNanos: now, output: $0) }
    }
}

/// Runs `trace` through the event-loop harness until `untilMs`, and checks that a loop that never
/// arms a timer (only edges, then one late `advance`) reaches the same outputs in the same order.
func debounce(
    _ trace: DebounceTrace,
    untilMs: Double,
    buttons: [ButtonSpec] = appliancePanels,
    configuration: DebounceConfiguration = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
) -> [Emitted] {
    var harness = DebounceHarness(buttons: buttons, configuration: configuration)
    harness.feed(trace)
    harness.run(untilMs: untilMs)

    var lazy = Debouncer(buttons: buttons, configuration: configuration)
    var lazyOutputs: [DebounceOutput] = []
    for edge in trace.edges { lazyOutputs += lazy.receive(edge) }
    lazyOutputs += lazy.advance(to: at(untilMs))
    #expect(
        lazyOutputs == harness.emitted.outputs, "timer-driven and edge-only runs disagree",
        sourceLocation: sourceLocation)
    return harness.emitted
}
