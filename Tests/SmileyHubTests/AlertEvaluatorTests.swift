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
        let changes = try await evaluator.evaluate(nowMillis: ten)
        #expect(changes.map(\.kind).contains(.dip))
        let dip = try #require(try hub.database.openAlerts().first { $0.kind == .dip })
        #expect(dip.subject == "satisfaction" && dip.centre == ReadSideFixture.centre && dip.state.openedMillis == ten)
        #expect(dip.state.evidence.answers == 4 && dip.state.evidence.negative == 2)
        #expect(dip.state.evidence.firstPressMillis == ReadSideFixture.thimphu(2026, 11, 25, 9, 50))
        // A minute later the condition still holds: the alert stays open with fresher evidence, and does not
        // open (fire) again.
        let again = try await evaluator.evaluate(nowMillis: ten + 60_000).filter { $0.kind == .dip }
        #expect(again.count == 1 && { if case .update = again[0].transition { true } else { false } }())
        #expect(try hub.database.openAlerts().filter { $0.kind == .dip }.count == 1)
        // The page shows it with its evidence.
        hub.nowMillis = ten + 60_000
        let (_, html, _) = try await hub.get("/centres/paro-dcrc")
        #expect(html.contains(#"data-alert="dip" data-subject="satisfaction""#))
        #expect(html.contains("2 of 4 satisfaction answers were unhappy in 15 minutes"))
        // At 10:20 the last 15 minutes hold no answers: the alert resolves itself and stays in the history.
        let later = try await evaluator.evaluate(nowMillis: ten + 20 * 60_000)
        #expect(later.contains { $0.kind == .dip && { if case .resolve = $0 { true } else { false } }($0.transition) })
        #expect(try hub.database.openAlerts().filter { $0.kind == .dip }.isEmpty)
        let history = try hub.database.alertHistory(centre: ReadSideFixture.centre).filter { $0.kind == .dip }
        #expect(history.count == 1 && history[0].state.resolvedMillis == ten + 20 * 60_000)
    }

    @Test func threeUnhappyAnswersAreNotEnoughForADip() async throws {
        var hub = try ReadSideFixture()
        try hub.press(.veryUnhappy, 3, on: (2026, 11, 25), at: 9, minute: 55)
        try await AlertEvaluator(database: hub.database).evaluate(
            nowMillis: ReadSideFixture.thimphu(2026, 11, 25, 10, 0))
        #expect(try hub.database.openAlerts().filter { $0.kind == .dip }.isEmpty)
    }

    @Test func aDeviceThatStopsReportingDuringOpeningHoursIsOfflineUntilItReturns() async throws {
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
        try await evaluator.evaluate(nowMillis: beat + 5 * 60_000)
        #expect(try hub.database.openAlerts().filter { $0.kind == .deviceOffline }.isEmpty)
        try await evaluator.evaluate(nowMillis: beat + 16 * 60_000)
        let offline = try hub.database.openAlerts().filter { $0.kind == .deviceOffline }
        #expect(offline.map(\.subject) == ["paro-exit-1"])
        try heartbeat(at: beat + 17 * 60_000)
        try await evaluator.evaluate(nowMillis: beat + 18 * 60_000)
        #expect(try hub.database.openAlerts().filter { $0.kind == .deviceOffline }.isEmpty)
    }
}

@Suite struct DriftAndClockAlertTests {
    /// Seven days (18-24 November) of 20 "happy" answers each: p̄ = 2/3 on the 0...1 scale.
    func hubWithAWeekOfHappyAnswers() throws -> ReadSideFixture {
        var hub = try ReadSideFixture()
        for day in 18...24 { try hub.press(.happy, 20, on: (2026, 11, day), at: 10) }
        return hub
    }

    func drift(_ hub: ReadSideFixture) throws -> StoredAlert? {
        try hub.database.openAlerts().first { $0.kind == .drift && $0.subject == "satisfaction" }
    }

    @Test func aDayOfTenVeryUnhappyAnswersLiesBelowTheLowerLimitUntilTheDayRecovers() async throws {
        var hub = try hubWithAWeekOfHappyAnswers()
        try hub.press(.veryUnhappy, 10, on: (2026, 11, 25), at: 9)
        let evaluator = AlertEvaluator(database: hub.database)
        // n = 10: σ = √(⅔·⅓/10) = 0.14907, 3σ = 0.44721; lower limit ⅔ − 0.44721 = 0.21946; today's p = 0.
        try await evaluator.evaluate(nowMillis: ReadSideFixture.thimphu(2026, 11, 25, 10, 0))
        let alert = try #require(try drift(hub))
        let evidence = alert.state.evidence
        #expect(evidence.answers == 10 && evidence.negative == 10 && evidence.index == 0)
        #expect(abs((evidence.centreLine ?? 0) - 66.667) < 0.001)
        #expect(abs((evidence.lowerLimit ?? 0) - 21.946) < 0.001 && evidence.upperLimit == 100)
        #expect(evidence.fromMillis == ReadSideFixture.thimphu(2026, 11, 25, 0, 0))
        #expect(evidence.summary == "today's satisfaction index 0 from 10 answers is below the limits 22–100 around 67")
        // 20 "happy" answers later in the day: p = (20·⅔)/30 = 0.4444, n = 30, σ = 0.08607, lower limit
        // ⅔ − 0.25820 = 0.40846 < 0.4444: inside the limits, the alert resolves itself.
        try hub.press(.happy, 20, on: (2026, 11, 25), at: 11)
        try await evaluator.evaluate(nowMillis: ReadSideFixture.thimphu(2026, 11, 25, 12, 0))
        #expect(try drift(hub) == nil)
        let history = try hub.database.alertHistory(centre: ReadSideFixture.centre).filter { $0.kind == .drift }
        #expect(history.count == 1 && history[0].state.resolvedMillis == ReadSideFixture.thimphu(2026, 11, 25, 12, 0))
    }

    @Test func twoVeryUnhappyAnswersAreTooFewForDrift() async throws {
        var hub = try hubWithAWeekOfHappyAnswers()
        // n = 2: σ = √(⅔·⅓/2) = ⅓, 3σ = 1: the lower limit is 0 and p = 0 is not below it.
        try hub.press(.veryUnhappy, 2, on: (2026, 11, 25), at: 9)
        try await AlertEvaluator(database: hub.database).evaluate(
            nowMillis: ReadSideFixture.thimphu(2026, 11, 25, 10, 0))
        #expect(try drift(hub) == nil)
    }

    @Test func sixDaysOfHistoryAreNotEnoughForDrift() async throws {
        var hub = try ReadSideFixture()
        for day in 19...24 { try hub.press(.happy, 20, on: (2026, 11, day), at: 10) }
        try hub.press(.veryUnhappy, 10, on: (2026, 11, 25), at: 9)
        try await AlertEvaluator(database: hub.database).evaluate(
            nowMillis: ReadSideFixture.thimphu(2026, 11, 25, 10, 0))
        #expect(try drift(hub) == nil)
    }

    @Test func aClockUnsynchronisedForADayOpensAnAlertThatResolvesWhenItSynchronises() async throws {
        let hub = try ReadSideFixture()
        let evaluator = AlertEvaluator(database: hub.database)
        func heartbeat(at millis: Int64, synchronised: Bool) throws {
            try hub.database.recordHeartbeat(
                Heartbeat(
                    device: ReadSideFixture.device, centre: ReadSideFixture.centre, firmwareVersion: "t",
                    uptimeSeconds: 1, backlog: 0, oldestUnsentMillis: nil, lastPressMillis: nil,
                    clock: ClockSample(
                        boot: "hb", monotonicNanos: 1_000_000_000, wallClockMillis: millis, synchronised: synchronised),
                    stuckLines: [], lostGPIOEvents: 0, freeDiskBytes: 1 << 30, storageWarning: nil),
                receivedMillis: millis)
        }
        func clockAlerts() throws -> [StoredAlert] {
            try hub.database.openAlerts().filter { $0.kind == .clockUnsynchronised }
        }
        let first = ReadSideFixture.thimphu(2026, 11, 24, 9, 0)
        try heartbeat(at: first, synchronised: false)
        try heartbeat(at: first + 12 * 3_600_000, synchronised: false)
        // 23 h 59 min after the first unsynchronised heartbeat: not yet a day.
        try await evaluator.evaluate(nowMillis: first + 24 * 3_600_000 - 60_000)
        #expect(try clockAlerts().isEmpty)
        try heartbeat(at: first + 24 * 3_600_000 - 30_000, synchronised: false)
        try await evaluator.evaluate(nowMillis: first + 24 * 3_600_000)
        let alert = try #require(try clockAlerts().first)
        #expect(alert.subject == "paro-exit-1" && alert.state.evidence.fromMillis == first)
        #expect(alert.state.evidence.summary.hasPrefix("paro-exit-1's clock has not been synchronised for 24 hours"))
        // The clock synchronises: the next evaluation resolves the alert.
        try heartbeat(at: first + 25 * 3_600_000, synchronised: true)
        try await evaluator.evaluate(nowMillis: first + 25 * 3_600_000 + 60_000)
        #expect(try clockAlerts().isEmpty)
        #expect(try hub.database.clockUnsynchronisedSince(ReadSideFixture.device) == nil)
    }
}
