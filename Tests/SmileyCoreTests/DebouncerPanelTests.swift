import SmileyCore
import Testing

/// Rules between buttons: panels, the response interval, two faces pressed together.
@Suite("Debouncer: panels")
struct DebouncerPanelTests {
    @Test("interleaved presses on the two panels each count, in the order they are released")
    func interleavedPanels() {
        let trace =
            DebounceTrace.press(button: 1, at: 100, hold: 200, pressBounces: burst(4), releaseBounces: burst(7))
            + .press(button: 5, at: 103, hold: 120, pressBounces: burst(9), releaseBounces: burst(2))
            + .press(button: 2, at: 6_000, hold: 150, pressBounces: burst(10))
            + .press(button: 4, at: 6_001, hold: 400, releaseBounces: burst(10))
        let emitted = debounce(trace, untilMs: 8_000)
        #expect(
            emitted == [
                Emitted(atNanos: at(245), output: .press(DebouncedPress(button: 5, pressedAtNanos: at(103)))),
                Emitted(atNanos: at(327), output: .press(DebouncedPress(button: 1, pressedAtNanos: at(100)))),
                Emitted(atNanos: at(6_170), output: .press(DebouncedPress(button: 2, pressedAtNanos: at(6_000)))),
                Emitted(atNanos: at(6_431), output: .press(DebouncedPress(button: 4, pressedAtNanos: at(6_001)))),
            ])
    }

    @Test("a child pressing ten times in three seconds: one counts, nine are kept suppressed")
    func childPressingTenTimes() {
        var trace = DebounceTrace()
        for n in 0..<10 {
            let start = 100 + Double(n) * 300
            let pressBounceMs = Double(n % 5) * 2 + 1
            trace =
                trace
                + .press(
                    button: n % 4, at: start, hold: 80,
                    pressBounces: burst(pressBounceMs, toggles: 4), releaseBounces: burst(5, toggles: 2))
        }
        let emitted = debounce(trace, untilMs: 5_000)
        let laterPresses: [Int64] = (1..<10).map { n in at(100 + Double(n) * 300) }
        #expect(emitted.presses.count == 10)
        #expect(emitted.counted == [DebouncedPress(button: 0, pressedAtNanos: at(100))])
        #expect(emitted.suppressed.map(\.pressedAtNanos) == laterPresses)
        #expect(emitted.suppressed.allSatisfy { !$0.chord })
    }

    @Test("the interval runs from the last counted press, and suppressed presses do not extend it")
    func intervalFromLastCounted() {
        let trace =
            DebounceTrace.press(button: 0, at: 100, hold: 100)  // counted: interval to 5_100
            + .press(button: 1, at: 4_000, hold: 100)  // suppressed
            + .press(button: 2, at: 5_099, hold: 100)  // suppressed, 1 ms inside
            + .press(button: 3, at: 5_400, hold: 100)  // counted: the interval is not stretched by 4_000 or 5_099
            + .press(button: 3, at: 10_300, hold: 50)  // suppressed
            + .press(button: 0, at: 10_400, hold: 100)  // counted, exactly one interval after 5_400
        let emitted = debounce(trace, untilMs: 12_000)
        #expect(emitted.presses.map(\.pressedAtNanos) == [100, 4_000, 5_099, 5_400, 10_300, 10_400].map { at($0) })
        #expect(emitted.presses.map(\.suppressed) == [false, true, true, false, true, false])
    }

    @Test("each panel has its own interval")
    func panelsIndependent() {
        let trace =
            DebounceTrace.press(button: 0, at: 100, hold: 100)
            + .press(button: 4, at: 300, hold: 100)
            + .press(button: 5, at: 600, hold: 100)
            + .press(button: 1, at: 900, hold: 100)
        let emitted = debounce(trace, untilMs: 2_000)
        #expect(emitted.counted.map(\.button) == [0, 4])
        #expect(emitted.suppressed.map(\.button) == [5, 1])
    }

    @Test("a panel may have its own response interval")
    func panelOverride() {
        let configuration = DebounceConfiguration(panelResponseIntervalNanos: [2: ns(1_000)])
        let trace =
            DebounceTrace.press(button: 0, at: 100, hold: 100)
            + .press(button: 0, at: 1_500, hold: 100)
            + .press(button: 4, at: 100, hold: 100)
            + .press(button: 4, at: 1_500, hold: 100)
        let emitted = debounce(trace, untilMs: 3_000, configuration: configuration)
        #expect(emitted.counted.map(\.button) == [0, 4, 4])
        #expect(emitted.suppressed.map(\.button) == [0])
    }

    @Test("two faces of one panel held together: neither counts, both are kept as chord")
    func twoTogether() {
        // Button 1 pressed and released while button 0 is held.
        let trace =
            DebounceTrace.press(button: 0, at: 100, hold: 300, pressBounces: burst(5))
            + .press(button: 1, at: 180, hold: 100, releaseBounces: burst(3))
            + .press(button: 2, at: 1_000, hold: 100)  // the next clean press counts: no interval started
        let emitted = debounce(trace, untilMs: 2_000)
        #expect(
            emitted == [
                Emitted(
                    atNanos: at(303),
                    output: .press(DebouncedPress(button: 1, pressedAtNanos: at(180), suppressed: true, chord: true))),
                Emitted(
                    atNanos: at(420),
                    output: .press(DebouncedPress(button: 0, pressedAtNanos: at(100), suppressed: true, chord: true))),
                Emitted(atNanos: at(1_120), output: .press(DebouncedPress(button: 2, pressedAtNanos: at(1_000)))),
            ])
    }

    @Test("a slap on two faces at once, with bounce on both, is a chord")
    func slap() {
        let trace =
            DebounceTrace.press(button: 2, at: 100, hold: 90, pressBounces: burst(8), releaseBounces: burst(6))
            + .press(button: 3, at: 102, hold: 85, pressBounces: burst(10), releaseBounces: burst(9))
        let emitted = debounce(trace, untilMs: 1_000)
        #expect(emitted.presses.count == 2)
        #expect(emitted.presses.allSatisfy { $0.suppressed && $0.chord })
        #expect(emitted.counted.isEmpty)
    }

    @Test("three faces together are all chord")
    func threeTogether() {
        let trace =
            DebounceTrace.press(button: 0, at: 100, hold: 200)
            + .press(button: 1, at: 150, hold: 300)
            + .press(button: 3, at: 400, hold: 300)  // overlaps only button 1
        let emitted = debounce(trace, untilMs: 1_000)
        #expect(emitted.presses.map(\.button) == [0, 1, 3])
        #expect(emitted.presses.allSatisfy { $0.chord })
    }

    @Test("a press and a glitch on another face are not a chord")
    func pressWithGlitchOnOtherFace() {
        let trace =
            DebounceTrace.press(button: 0, at: 100, hold: 300)
            + .press(button: 1, at: 200, hold: 8)
            + .press(button: 2, at: 250, hold: 25)  // held past the window, but under the minimum
        let emitted = debounce(trace, untilMs: 1_000)
        #expect(emitted.outputs == [.press(DebouncedPress(button: 0, pressedAtNanos: at(100)))])
    }

    @Test("one face after the other, even quickly, is not a chord")
    func oneAfterTheOther() {
        let trace =
            DebounceTrace.press(button: 0, at: 100, hold: 200, releaseBounces: burst(5))
            + .press(button: 1, at: 304, hold: 200, pressBounces: burst(5))
        let emitted = debounce(trace, untilMs: 1_000)
        #expect(emitted.presses.map(\.chord) == [false, false])
        #expect(emitted.presses.map(\.suppressed) == [false, true])  // the response interval still applies
    }

    @Test("two faces of different panels held together are not a chord")
    func differentPanelsTogether() {
        let trace = DebounceTrace.press(button: 3, at: 100, hold: 300) + .press(button: 4, at: 150, hold: 100)
        let emitted = debounce(trace, untilMs: 1_000)
        #expect(emitted.counted.map(\.button) == [4, 3])
    }
}
