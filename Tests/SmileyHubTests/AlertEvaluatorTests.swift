import Foundation
import SmileyCore
import SmileyHub
import Testing

@Suite struct AlertEvaluatorTests {
    @Test func aBurstOfUnhappyAnswersOpensOneDipThatResolvesItself() async throws {
        var hub = try ReadSideFixture()
        let evaluator = AlertEvaluator(database: hub.database)
        // Wednesday 25 November, Paro, open 09:00-17:00. Two "very unhappy" and two "happy" just before 10:00.
        try hub.press(.veryUnhappy, 2, on: (2026, 11, 25), at: 9, minute: 50)
        try hub.press(.happy, 2, on: (2026, 11, 25), at: 9, minute: 52)
        let ten = ReadSideFixture.thimphu(2026, 11, 25, 10, 0)
        let changes = try evaluator.evaluate(nowMillis: ten)
        #expect(changes.map(\.kind).contains(.dip))
        let dip = try #require(try hub.database.openAlerts().first { $0.kind == .dip })
        #expect(dip.subject == "satisfaction" && dip.centre == ReadSideFixture.centre && dip.state.openedMillis == ten)
        #expect(dip.state.evidence.answers == 4 && dip.state.evidence.negative == 2)
        #expect(dip.state.evidence.firstPressMillis == ReadSideFixture.thimphu(2026, 11, 25, 9, 50))
        // A minute later the condition still holds: the alert stays open with fresher evidence, and does not
        // open (fire) again.
        let again = try evaluator.evaluate(nowMillis: ten + 60_000).filter { $0.kind == .dip }
        #expect(again.count == 1 && { if case .update = again[0].transition { true } else { false } }())
        #expect(try hub.database.openAlerts().filter { $0.kind == .dip }.count == 1)
        // The page shows it with its evidence.
        hub.nowMillis = ten + 60_000
        let (_, html, _) = try await hub.get("/centres/paro-dcrc")
        #expect(html.contains(#"data-alert="dip" data-subject="satisfaction""#))
        #expect(html.contains("2 of 4 satisfaction answers were unhappy in 15 minutes"))
        // At 10:20 the last 15 minutes hold no answers: the alert resolves itself and stays in the history.
        let later = try evaluator.evaluate(nowMillis: ten + 20 * 60_000)
        #expect(later.contains { $0.kind == .dip && { if case .resolve = $0 { true } else { false } }($0.transition) })
        #expect(try hub.database.openAlerts().filter { $0.kind == .dip }.isEmpty)
        let history = try hub.database.alertHistory(centre: ReadSideFixture.centre).filter { $0.kind == .dip }
        #expect(history.count == 1 && history[0].state.resolvedMillis == ten + 20 * 60_000)
    }

    @Test func threeUnhappyAnswersAreNotEnoughForADip() throws {
        var hub = try ReadSideFixture()
        try hub.press(.veryUnhappy, 3, on: (2026, 11, 25), at: 9, minute: 55)
        try AlertEvaluator(database: hub.database).evaluate(nowMillis: ReadSideFixture.thimphu(2026, 11, 25, 10, 0))
        #expect(try hub.database.openAlerts().filter { $0.kind == .dip }.isEmpty)
    }

    @Test func aDeviceThatStopsReportingDuringOpeningHoursIsOfflineUntilItReturns() throws {
        let hub = try ReadSideFixture()
        let evaluator = AlertEvaluator(database: hub.database)
        let beat = ReadSideFixture.thimphu(2026, 11, 25, 9, 0)
        func heartbeat(at millis: Int64) throws {
            try hub.database.recordHeartbeat(
                Heartbeat(
                    device: ReadSideFixture.device, centre: ReadSideFixture.centre, firmwareVersion: "t",
                    uptimeSeconds: 1,
                    backlog: 0, oldestUnsentMillis: nil, lastPressMillis: nil,
                    clock: ClockSample(
                        boot: "hb", monotonicNanos: 1_000_000_000, wallClockMillis: millis, synchronised: true),
                    stuckLines: [], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil),
                receivedMillis: millis)
        }
        try heartbeat(at: beat)
        try evaluator.evaluate(nowMillis: beat + 5 * 60_000)
        #expect(try hub.database.openAlerts().filter { $0.kind == .deviceOffline }.isEmpty)
        try evaluator.evaluate(nowMillis: beat + 16 * 60_000)
        let offline = try hub.database.openAlerts().filter { $0.kind == .deviceOffline }
        #expect(offline.map(\.subject) == ["paro-exit-1"])
        try heartbeat(at: beat + 17 * 60_000)
        try evaluator.evaluate(nowMillis: beat + 18 * 60_000)
        #expect(try hub.database.openAlerts().filter { $0.kind == .deviceOffline }.isEmpty)
    }
}
