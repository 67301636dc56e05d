import SmileyCore
import SmileyDevice
import Testing

@Suite struct TraceReplayTests {
    @Test func repeatedPressesWithinTheResponseIntervalAreKeptAndFlagged() throws {
        let trace = """
            1000000000 GPIO19 1
            1120000000 GPIO19 0
            3000000000 GPIO13 1
            3100000000 GPIO13 0
            9000000000 GPIO21 1
            9100000000 GPIO21 0
            """
        let lines = try TraceReplay().run(traceText: trace)
        #expect(lines.map(\.answer) == ["very-happy", "happy", "easy"])
        #expect(lines.map(\.suppressed) == [false, true, false])
        #expect(lines.map(\.atNanos) == [1_000_000_000, 3_000_000_000, 9_000_000_000])
        let text = try TraceReplay.jsonLines(lines)
        #expect(text.split(separator: "\n").count == 3)
        #expect(
            text.hasPrefix(
                #"{"answer":"very-happy","atNanos":1000000000,"chord":false,"event":"press","line":"GPIO19""#))
    }

    @Test func aStuckButtonIsReportedAndNeverCounted() throws {
        let lines = try TraceReplay().run(traceText: "1000000000 GPIO5 1\n15000000000 GPIO5 0\n")
        #expect(lines.map(\.event) == ["stuck", "stuck-cleared"])
    }
}
