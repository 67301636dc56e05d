import SmileyCore
import Testing

/// Stuck buttons, lost kernel events, start-up levels and the timer deadline.
@Suite("Debouncer: health")
struct DebouncerHealthTests {
    // MARK: Stuck

    @Test("a button held past the stuck limit is flagged, cleared on release, and never counts")
    func stuckThenReleased() {
        var harness = DebounceHarness()
        harness.feed(.transition(button: 3, to: true, at: 100, bounces: burst(6)))
        harness.run(untilMs: 5_000)
        #expect(harness.debouncer.nextDeadline == at(10_100))
        harness.run(untilMs: 11_000)
        #expect(harness.emitted == [Emitted(atNanos: at(10_100), output: .stuck(button: 3, heldSinceNanos: at(100)))])
        #expect(harness.debouncer.isStuck(3))
        #expect(harness.debouncer.nextDeadline == nil)  // nothing more to decide while it stays stuck
        harness.feed(.transition(button: 3, to: false, at: 12_100, bounces: burst(8)))
        harness.run(untilMs: 13_000)
        #expect(
            harness.emitted.dropFirst() == [
                Emitted(atNanos: at(12_128), output: .stuckCleared(button: 3, releasedAtNanos: at(12_100)))
            ])
        #expect(!harness.debouncer.isStuck(3))
        // The button works again, and the long hold started no response interval.
        harness.feed(.press(button: 2, at: 13_000, hold: 100))
        harness.run(untilMs: 14_000)
        #expect(harness.emitted.counted == [DebouncedPress(button: 2, pressedAtNanos: at(13_000))])
        #expect(harness.emitted.presses.count == 1)
    }

    @Test("a hold just under the stuck limit is a press")
    func holdUnderLimit() {
        let emitted = debounce(.press(button: 0, at: 100, hold: 9_999, releaseBounces: burst(10)), untilMs: 12_000)
        #expect(emitted.outputs == [.press(DebouncedPress(button: 0, pressedAtNanos: at(100)))])
    }

    @Test("a release that begins before the limit but settles after it is a press, not stuck")
    func releaseStraddlingLimit() {
        let emitted = debounce(.press(button: 0, at: 100, hold: 9_995, releaseBounces: burst(10)), untilMs: 12_000)
        #expect(emitted.outputs == [.press(DebouncedPress(button: 0, pressedAtNanos: at(100)))])
    }

    @Test("an open glitch across the stuck limit does not save the hold")
    func glitchAcrossLimit() {
        // Open from 10_095 to 10_110: a glitch, so the hold went on through 10_100.
        let trace = DebounceTrace([(100, 0, true), (10_095, 0, false), (10_110, 0, true), (11_000, 0, false)])
        let emitted = debounce(trace, untilMs: 12_000)
        #expect(
            emitted == [
                // Judged once the glitch has settled, a window after it closed again.
                Emitted(atNanos: at(10_130), output: .stuck(button: 0, heldSinceNanos: at(100))),
                Emitted(atNanos: at(11_020), output: .stuckCleared(button: 0, releasedAtNanos: at(11_000))),
            ])
    }

    @Test("a stuck face does not silence its panel, but it blocks chords only until flagged")
    func stuckFaceAndItsPanel() {
        let trace =
            DebounceTrace.press(button: 0, at: 100, hold: 30_000)
            + .press(button: 1, at: 5_000, hold: 100)  // before the flag: a chord with the jammed face
            + .press(button: 2, at: 15_000, hold: 100)  // after the flag: counts
        let emitted = debounce(trace, untilMs: 31_000)
        #expect(
            emitted.outputs == [
                .press(DebouncedPress(button: 1, pressedAtNanos: at(5_000), suppressed: true, chord: true)),
                .stuck(button: 0, heldSinceNanos: at(100)),
                .press(DebouncedPress(button: 2, pressedAtNanos: at(15_000))),
                .stuckCleared(button: 0, releasedAtNanos: at(30_100)),
            ])
    }

    @Test("a configured stuck limit is honoured")
    func customStuckLimit() {
        let configuration = DebounceConfiguration(stuckLimitNanos: ns(2_000))
        let emitted = debounce(.press(button: 6, at: 100, hold: 2_500), untilMs: 3_000, configuration: configuration)
        #expect(
            emitted.outputs == [
                .stuck(button: 6, heldSinceNanos: at(100)), .stuckCleared(button: 6, releasedAtNanos: at(2_600)),
            ])
        #expect(emitted.first?.atNanos == at(2_100))
    }

    // MARK: Lost events

    @Test("a press in progress when events are lost is abandoned, and the next clean press counts")
    func lossDuringPress() {
        var harness = DebounceHarness()
        harness.feed(.transition(button: 0, to: true, at: 100, bounces: burst(4)))
        harness.run(untilMs: 200)
        harness.eventsLost(count: 3, atMs: 200)
        harness.feed(.transition(button: 0, to: false, at: 300, bounces: burst(4)))
        harness.run(untilMs: 1_000)
        #expect(harness.emitted.outputs == [.eventsLost(count: 3, atNanos: at(200))])
        #expect(!harness.debouncer.isPressed(0))
        harness.feed(.press(button: 0, at: 1_000, hold: 100))
        harness.run(untilMs: 2_000)
        #expect(harness.emitted.counted == [DebouncedPress(button: 0, pressedAtNanos: at(1_000))])
    }

    @Test("after a loss an edge repeating the level held, or one during the resync window, makes no press")
    func noPressInventedAfterLoss() {
        var harness = DebounceHarness()
        harness.eventsLost(count: 1, atMs: 100)
        // The press edge was lost; the first edge seen is the release, the level already held.
        harness.feed(DebounceTrace([(105, 1, false)]))
        // An edge within a window of the loss: its history is unknown, so this hold does not count.
        harness.feed(.press(button: 2, at: 110, hold: 200))
        harness.run(untilMs: 1_000)
        #expect(harness.emitted.outputs == [.eventsLost(count: 1, atNanos: at(100))])
        // Quiet for a window since: presses count again.
        harness.feed(.press(button: 1, at: 1_000, hold: 100) + .press(button: 2, at: 1_000, hold: 100))
        harness.run(untilMs: 2_000)
        #expect(
            harness.emitted.presses == [
                DebouncedPress(button: 1, pressedAtNanos: at(1_000), suppressed: true, chord: true),
                DebouncedPress(button: 2, pressedAtNanos: at(1_000), suppressed: true, chord: true),
            ])
    }

    @Test("a pending release is forgotten at a loss: the press does not count")
    func pendingReleaseForgotten() {
        var harness = DebounceHarness()
        harness.feed(DebounceTrace([(100, 4, true), (300, 4, false)]))
        harness.eventsLost(count: 12, atMs: 310)
        #expect(harness.debouncer.nextDeadline == at(330))  // the release is re-timed from the loss
        harness.run(untilMs: 1_000)
        #expect(harness.emitted.outputs == [.eventsLost(count: 12, atNanos: at(310))])
        #expect(!harness.debouncer.isPressed(4))
    }

    @Test("levels re-read after a loss are believed after a window; a held face then does not count")
    func relevelAfterLoss() {
        var harness = DebounceHarness()
        harness.eventsLost(count: 5, atMs: 100, levels: [false, false, false, false, false, true, false])
        #expect(harness.debouncer.nextDeadline == at(130))  // a window, and the minimum press length
        harness.run(untilMs: 200)
        #expect(harness.debouncer.isPressed(5))
        harness.feed(.transition(button: 5, to: false, at: 400, bounces: burst(3)))
        harness.run(untilMs: 1_000)
        #expect(harness.emitted.outputs == [.eventsLost(count: 5, atNanos: at(100))])
    }

    @Test("a stuck flag survives a loss and is cleared on release")
    func stuckSurvivesLoss() {
        var harness = DebounceHarness()
        harness.feed(.transition(button: 0, to: true, at: 100))
        harness.run(untilMs: 10_500)
        harness.eventsLost(count: 2, atMs: 10_500)
        harness.feed(.transition(button: 0, to: false, at: 11_000))
        harness.run(untilMs: 12_000)
        #expect(
            harness.emitted.outputs == [
                .stuck(button: 0, heldSinceNanos: at(100)),
                .eventsLost(count: 2, atNanos: at(10_500)),
                .stuckCleared(button: 0, releasedAtNanos: at(11_000)),
            ])
    }

    @Test("a kernel overflow in the middle of chatter: the chattering press is lost, nothing is invented")
    func overflowDuringChatter() {
        // A child hammers button 1 (panel 1) and button 4 (panel 2) is pressed cleanly meanwhile.
        var harness = DebounceHarness()
        var trace = DebounceTrace.press(button: 4, at: 100, hold: 700)
        for n in 0..<40 { trace = trace + DebounceTrace([(200 + Double(n) * 3, 1, n % 3 != 0)]) }
        let edges = trace.edges
        // The kernel dropped 25 of the chattering edges.
        for edge in edges where edge.timestampNanos < at(210) { harness.feed(edge) }
        harness.eventsLost(count: 25, atMs: 285)
        for edge in edges where edge.timestampNanos >= at(285) { harness.feed(edge) }
        harness.run(untilMs: 2_000)
        #expect(harness.emitted.outputs.filter { if case .eventsLost = $0 { true } else { false } }.count == 1)
        // The clean press on the other panel, held across the loss, was abandoned too.
        #expect(harness.emitted.presses.isEmpty)
        #expect(!harness.debouncer.isPressed(1) && !harness.debouncer.isPressed(4))
    }

    // MARK: Initial levels

    @Test("a face already held at start-up does not count on release")
    func heldAtStart() {
        var harness = DebounceHarness()
        harness.setInitialLevels([false, false, true, false, false, false, false], atMs: 0)
        #expect(harness.debouncer.isPressed(2))
        #expect(harness.debouncer.nextDeadline == at(10_000))  // stuck limit from start-up
        // Another face of the panel is pressed while 2 is held: not a chord.
        harness.feed(
            .transition(button: 2, to: false, at: 3_000, bounces: burst(5)) + .press(button: 1, at: 2_000, hold: 100))
        harness.run(untilMs: 4_000)
        #expect(harness.emitted.presses == [DebouncedPress(button: 1, pressedAtNanos: at(2_000))])
        harness.feed(.press(button: 2, at: 8_000, hold: 100))
        harness.run(untilMs: 9_000)
        #expect(harness.emitted.counted.map(\.button) == [1, 2])
    }

    @Test("a face held from start-up for the stuck limit is flagged")
    func stuckFromStart() {
        var harness = DebounceHarness()
        harness.setInitialLevels([true, false, false, false, false, false, false], atMs: 0)
        harness.run(untilMs: 20_000)
        harness.feed(.transition(button: 0, to: false, at: 20_000))
        harness.run(untilMs: 21_000)
        #expect(
            harness.emitted.outputs == [
                .stuck(button: 0, heldSinceNanos: at(0)), .stuckCleared(button: 0, releasedAtNanos: at(20_000)),
            ])
    }

    // MARK: Deadline

    @Test("nextDeadline names each decision and nothing else")
    func deadlines() {
        var debouncer = Debouncer(buttons: appliancePanels)
        #expect(debouncer.nextDeadline == nil)
        _ = debouncer.receive(Edge(button: 0, active: true, timestampNanos: at(100)))
        _ = debouncer.receive(Edge(button: 0, active: false, timestampNanos: at(102)))
        _ = debouncer.receive(Edge(button: 0, active: true, timestampNanos: at(104)))
        #expect(debouncer.nextDeadline == at(130))  // minimum press length
        _ = debouncer.receive(Edge(button: 5, active: true, timestampNanos: at(120)))
        #expect(debouncer.nextDeadline == at(130))  // still the earliest
        #expect(debouncer.advance(to: at(130)).isEmpty)
        #expect(debouncer.isPressed(0))
        #expect(debouncer.nextDeadline == at(150))  // button 5
        #expect(debouncer.advance(to: at(150)).isEmpty)
        #expect(debouncer.nextDeadline == at(10_100))  // button 0's stuck limit
        _ = debouncer.receive(Edge(button: 0, active: false, timestampNanos: at(400)))
        #expect(debouncer.nextDeadline == at(420))
        #expect(debouncer.advance(to: at(420)) == [.press(DebouncedPress(button: 0, pressedAtNanos: at(100)))])
        #expect(debouncer.nextDeadline == at(10_120))  // button 5's stuck limit
        _ = debouncer.receive(Edge(button: 5, active: false, timestampNanos: at(500)))
        _ = debouncer.advance(to: at(520))
        #expect(debouncer.nextDeadline == nil)
    }

    @Test("an edge stamped before the last advance is taken as happening now")
    func lateEdge() {
        var debouncer = Debouncer(buttons: appliancePanels)
        _ = debouncer.receive(Edge(button: 0, active: true, timestampNanos: at(100)))
        #expect(debouncer.advance(to: at(200)).isEmpty)
        #expect(debouncer.receive(Edge(button: 0, active: false, timestampNanos: at(150))).isEmpty)
        #expect(debouncer.advance(to: at(219)).isEmpty)
        #expect(debouncer.advance(to: at(220)) == [.press(DebouncedPress(button: 0, pressedAtNanos: at(100)))])
    }

    @Test("the original API still reads the same")
    func sourceCompatibility() {
        var debouncer = Debouncer(
            buttons: [ButtonSpec(panel: 0)], configuration: DebounceConfiguration(stableWindowNanos: 10_000_000))
        #expect(debouncer.configuration.stableWindowNanos == 10_000_000)
        #expect(debouncer.configuration.minimumPressNanos == 30_000_000)
        #expect(debouncer.configuration.responseIntervalNanos == 5_000_000_000)
        #expect(debouncer.configuration.stuckLimitNanos == 10_000_000_000)
        _ = debouncer.receive(Edge(button: 0, active: true, timestampNanos: 1_000_000_000))
        _ = debouncer.receive(Edge(button: 0, active: false, timestampNanos: 1_050_000_000))
        let outputs = debouncer.advance(to: 1_060_000_000)
        #expect(outputs == [.press(DebouncedPress(button: 0, pressedAtNanos: 1_000_000_000, suppressed: false))])
        #expect(DebounceConfiguration().stableWindowNanos == 20_000_000)
        #expect(DebouncedPress(button: 1, pressedAtNanos: 5, chord: true).suppressed)
    }
}
