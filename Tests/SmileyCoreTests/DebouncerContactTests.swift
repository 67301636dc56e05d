import SmileyCore
import Testing

/// How one contact's edges become presses: bounce, glitches, worn switches, tap lengths, chatter.
@Suite("Debouncer: contacts")
struct DebouncerContactTests {
    @Test("a clean press counts once, on its debounced release, stamped with its first edge")
    func cleanPress() {
        let emitted = debounce(.press(button: 0, at: 100, hold: 200), untilMs: 1_000)
        #expect(
            emitted == [Emitted(atNanos: at(320), output: .press(DebouncedPress(button: 0, pressedAtNanos: at(100))))])
    }

    @Test("nothing is emitted while the button is held, however long (below the stuck limit)")
    func holdEmitsNothing() {
        var harness = DebounceHarness()
        harness.feed(.transition(button: 2, to: true, at: 100))
        harness.run(untilMs: 9_000)
        #expect(harness.emitted.isEmpty)
        #expect(harness.debouncer.isPressed(2))
        harness.feed(.transition(button: 2, to: false, at: 9_000))
        harness.run(untilMs: 9_100)
        #expect(harness.emitted.counted == [DebouncedPress(button: 2, pressedAtNanos: at(100))])
    }

    @Test(
        "bounce bursts up to 10 ms on press and on release count once, at the first edge",
        arguments: [(1.0, 2), (3.0, 4), (5.0, 6), (8.0, 8), (10.0, 8), (10.0, 16)]
    )
    func bounceBursts(durationMs: Double, toggles: Int) {
        let trace = DebounceTrace.press(
            button: 1, at: 100, hold: 150,
            pressBounces: burst(durationMs, toggles: toggles),
            releaseBounces: burst(durationMs, toggles: toggles))
        #expect(trace.edges.count == 2 * (toggles + 1))
        let emitted = debounce(trace, untilMs: 1_000)
        #expect(emitted.map(\.output) == [.press(DebouncedPress(button: 1, pressedAtNanos: at(100)))])
        // Emitted one window after the last edge of the release burst.
        #expect(emitted.first?.atNanos == at(250 + durationMs + 20))
    }

    @Test("two edges of the same direction in a row are levels, not toggles")
    func sameDirectionEdges() {
        let trace = DebounceTrace([
            (100, 0, true), (101, 0, true), (102.5, 0, false), (103, 0, true), (104, 0, true),
            (250, 0, false), (251, 0, false), (252, 0, true), (253, 0, false), (254, 0, false),
        ])
        let emitted = debounce(trace, untilMs: 1_000)
        #expect(emitted.outputs == [.press(DebouncedPress(button: 0, pressedAtNanos: at(100)))])
        #expect(emitted.first?.atNanos == at(274))
    }

    @Test("a repeated edge restarts the stable window")
    func repeatedEdgeRestartsWindow() {
        var debouncer = Debouncer(buttons: appliancePanels)
        _ = debouncer.receive(Edge(button: 0, active: true, timestampNanos: at(100)))
        #expect(debouncer.nextDeadline == at(130))  // minimum press length after the first edge
        _ = debouncer.receive(Edge(button: 0, active: true, timestampNanos: at(125)))
        #expect(debouncer.nextDeadline == at(145))  // a full quiet window after the repeat
        _ = debouncer.advance(to: at(144))
        #expect(!debouncer.isPressed(0))
        _ = debouncer.advance(to: at(145))
        #expect(debouncer.isPressed(0))
    }

    @Test("a lone repeated release edge while released is nothing")
    func repeatedReleaseIsNothing() {
        let emitted = debounce(DebounceTrace([(100, 3, false), (100.5, 3, false), (300, 3, false)]), untilMs: 1_000)
        #expect(emitted.isEmpty)
    }

    @Test("single glitches shorter than the window never count", arguments: [0.01, 0.5, 2, 5, 10, 15, 19, 19.999])
    func shortGlitch(widthMs: Double) {
        var harness = DebounceHarness()
        harness.feed(.press(button: 4, at: 100, hold: widthMs))
        // Nothing to decide once the line is back where it was believed to be.
        #expect(harness.debouncer.nextDeadline == nil)
        harness.run(untilMs: 1_000)
        #expect(harness.emitted.isEmpty)
        #expect(harness.timers.isEmpty)
    }

    @Test("a pulse that holds the window but not the minimum press length does not count", arguments: [20.0, 25, 29.9])
    func pulseBelowMinimum(widthMs: Double) {
        #expect(debounce(.press(button: 4, at: 100, hold: widthMs), untilMs: 1_000).isEmpty)
    }

    @Test("a burst of glitches closer together than the window never counts")
    func glitchTrain() {
        // Ten 3 ms spikes 12 ms apart: the line is never quiet-closed for a window.
        let trace = (0..<10).reduce(DebounceTrace()) { trace, spike in
            trace + .press(button: 5, at: 100 + Double(spike) * 12, hold: 3)
        }
        #expect(debounce(trace, untilMs: 1_000).isEmpty)
    }

    @Test("a worn switch bouncing for 150 ms on press and on release counts once, at its first edge")
    func wornSwitch() {
        let bounces = burst(150, toggles: 20)  // longest gap 14.3 ms, under the window
        let trace = DebounceTrace.press(button: 2, at: 100, hold: 400, pressBounces: bounces, releaseBounces: bounces)
        let emitted = debounce(trace, untilMs: 2_000)
        #expect(emitted.outputs == [.press(DebouncedPress(button: 2, pressedAtNanos: at(100)))])
        #expect(emitted.first?.atNanos == at(100 + 400 + 150 + 20))
    }

    @Test("a worn switch that rests open for a whole window mid-bounce makes a second, suppressed press")
    func wornSwitchRestingOpen() {
        // Closed 40 ms, open 25 ms, then closed for good: indistinguishable from a double tap.
        let trace = DebounceTrace([(100, 0, true), (140, 0, false), (165, 0, true), (400, 0, false)])
        let emitted = debounce(trace, untilMs: 1_000)
        #expect(emitted.counted == [DebouncedPress(button: 0, pressedAtNanos: at(100))])
        #expect(emitted.suppressed == [DebouncedPress(button: 0, pressedAtNanos: at(165), suppressed: true)])
    }

    @Test("a slow press with a creeping contact counts once")
    func slowPress() {
        // The contact creeps shut over 18 ms and open over 18 ms, each gap under the window.
        let creep = [2.0, 5, 8, 12, 15, 18]
        let trace = DebounceTrace.press(button: 6, at: 100, hold: 3_000, pressBounces: creep, releaseBounces: creep)
        let emitted = debounce(trace, untilMs: 4_000)
        #expect(emitted.outputs == [.press(DebouncedPress(button: 6, pressedAtNanos: at(100)))])
        #expect(emitted.first?.atNanos == at(3_100 + 18 + 20))
    }

    @Test(
        "very quick taps of about 40 ms count", arguments: [(35.0, 0.0), (40, 0), (40, 5), (40, 8), (40, 10), (45, 10)])
    func quickTap(holdMs: Double, bounceMs: Double) {
        let bounces = bounceMs > 0 ? burst(bounceMs, toggles: 4) : []
        let trace = DebounceTrace.press(
            button: 3, at: 100, hold: holdMs, pressBounces: bounces, releaseBounces: bounces)
        let emitted = debounce(trace, untilMs: 1_000)
        #expect(emitted.outputs == [.press(DebouncedPress(button: 3, pressedAtNanos: at(100)))])
    }

    @Test("chatter while held does not split the press")
    func chatterWhileHeld() {
        var trace = DebounceTrace.transition(button: 1, to: true, at: 100, bounces: burst(6, toggles: 6))
        for (step, width) in [1.0, 3, 0.2, 5, 2, 19, 4, 0.7, 12, 1].enumerated() {
            let openAt = 200 + Double(step) * 150
            trace =
                trace + .transition(button: 1, to: false, at: openAt)
                + .transition(button: 1, to: true, at: openAt + width, bounces: [0.3, 0.6])
        }
        trace = trace + DebounceTrace([(1_900, 1, true)])  // a stray repeated close, too
        trace = trace + .transition(button: 1, to: false, at: 2_000, bounces: burst(9, toggles: 6))
        let emitted = debounce(trace, untilMs: 3_000)
        #expect(emitted.outputs == [.press(DebouncedPress(button: 1, pressedAtNanos: at(100)))])
    }

    @Test("a release that begins within a window of chatter is stamped from the chatter")
    func releaseAfterChatter() {
        // Open glitch at 500, closes at 502, opens for good at 510: one burst, no second press.
        let trace = DebounceTrace([(100, 0, true), (500, 0, false), (502, 0, true), (510, 0, false)])
        let emitted = debounce(trace, untilMs: 1_000)
        #expect(emitted.outputs == [.press(DebouncedPress(button: 0, pressedAtNanos: at(100)))])
        #expect(emitted.first?.atNanos == at(530))
    }

    @Test("a configured window and minimum press length are honoured")
    func customTiming() {
        let configuration = DebounceConfiguration(stableWindowNanos: ns(5), minimumPressNanos: ns(10))
        let short = debounce(.press(button: 0, at: 100, hold: 9), untilMs: 500, configuration: configuration)
        #expect(short.isEmpty)
        let ok = debounce(.press(button: 0, at: 100, hold: 12), untilMs: 500, configuration: configuration)
        #expect(ok.outputs == [.press(DebouncedPress(button: 0, pressedAtNanos: at(100)))])
        #expect(ok.first?.atNanos == at(117))
    }

    @Test(
        "randomised bouncing presses on seven buttons count exactly once each, at their first edges",
        arguments: [1, 2, 3, 42, 2024] as [UInt64]
    )
    func randomisedPresses(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        // Every button on its own panel and no response interval, so every press must count.
        let buttons = (0..<7).map { ButtonSpec(panel: $0) }
        let configuration = DebounceConfiguration(responseIntervalNanos: 0)
        var trace = DebounceTrace()
        var expected: [Int: [Int64]] = [:]
        func bounces() -> [Double] {
            let count = 2 * Int.random(in: 0...6, using: &random)
            return (0..<count).map { _ in Double.random(in: 0.05...10, using: &random) }.sorted()
        }
        for button in 0..<7 {
            var time = Double.random(in: 0...500, using: &random)
            for _ in 0..<40 {
                let hold = Double.random(in: 45...(Bool.random(using: &random) ? 120 : 3_000), using: &random)
                trace =
                    trace
                    + .press(button: button, at: time, hold: hold, pressBounces: bounces(), releaseBounces: bounces())
                expected[button, default: []].append(at(time))
                time += hold + 40 + Double.random(in: 0...2_000, using: &random)
            }
        }
        let emitted = debounce(trace, untilMs: 300_000, buttons: buttons, configuration: configuration)
        #expect(emitted.count == 7 * 40)
        #expect(emitted.suppressed.isEmpty)
        for button in 0..<7 {
            #expect(emitted.presses.filter { $0.button == button }.map(\.pressedAtNanos) == expected[button])
        }
    }
}
