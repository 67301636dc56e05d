import SmileyCore
import Testing

@Suite struct EdgeTraceTests {
    let names = ["GPIO5", "GPIO6"]
    let buttons = [ButtonSpec(panel: 0), ButtonSpec(panel: 0)]

    @Test func aBouncingPressReplaysAsOnePressAtItsFirstEdge() throws {
        let text = """
            # a worn switch
            1000000000 GPIO5 1
            1001000000 GPIO5 0
            1002000000 GPIO5 1
            1150000000 GPIO5 0
            1151000000 GPIO5 1
            1152000000 GPIO5 0
            """
        let trace = try EdgeTrace.parse(text, lineNames: names)
        #expect(trace.edges.count == 6)
        let outputs = trace.replay(buttons: buttons, configuration: DebounceConfiguration())
        #expect(outputs == [.press(DebouncedPress(button: 0, pressedAtNanos: 1_000_000_000))])
        guard case .press(let press) = outputs.first else { return }
        #expect(press.releasedAtNanos == 1_150_000_000)
    }

    @Test func aTraceRoundTrips() throws {
        let trace = EdgeTrace(edges: [
            Edge(button: 1, active: true, timestampNanos: 5), Edge(button: 1, active: false, timestampNanos: 9),
        ])
        #expect(try EdgeTrace.parse(trace.text(lineNames: names), lineNames: names) == trace)
    }

    @Test func badLinesAreNamedWithTheirNumber() {
        #expect(throws: EdgeTrace.ParseError.unknownLine(line: 2, name: "GPIO99", known: names)) {
            try EdgeTrace.parse("1 GPIO5 1\n2 GPIO99 0", lineNames: names)
        }
        #expect(throws: EdgeTrace.ParseError.badLevel(line: 1, text: "high")) {
            try EdgeTrace.parse("1 GPIO5 high", lineNames: names)
        }
        #expect(throws: EdgeTrace.ParseError.malformed(line: 1, text: "GPIO5 1")) {
            try EdgeTrace.parse("GPIO5 1", lineNames: names)
        }
        #expect(throws: EdgeTrace.ParseError.timeGoesBack(line: 2)) {
            try EdgeTrace.parse("10 GPIO5 1\n9 GPIO5 0", lineNames: names)
        }
    }
}
