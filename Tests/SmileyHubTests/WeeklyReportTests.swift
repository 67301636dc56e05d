import Foundation
import SmileyCore
import SmileyHub
import Testing

/// The weekly report's figures and its two renderings.
@Suite struct WeeklyReportTests {
    /// Paro's week of Monday 2026-11-16 (the fixture's clock is Wednesday 2026-11-25), with the week before.
    func hub() throws -> ReadSideFixture {
        var fixture = try ReadSideFixture()
        try fixture.press(.veryUnhappy, 6, on: (2026, 11, 9), at: 9)  // the week before
        try fixture.press(.veryHappy, 6, on: (2026, 11, 16), at: 9)  // Monday 09:00, index 100
        try fixture.press(.veryUnhappy, 9, on: (2026, 11, 16), at: 15)  // Monday 15:00, index 0
        try fixture.press(.happy, 5, on: (2026, 11, 17), at: 10)  // Tuesday 10:00, index 67
        try fixture.press(.unhappy, 5, on: (2026, 11, 18), at: 11)  // Wednesday 11:00, index 33
        try fixture.press(.happy, 2, on: (2026, 11, 19), at: 12)  // Thursday 12:00, too few to rank
        try fixture.press(.veryHappy, 50, on: (2026, 11, 23), at: 9)  // the week after: not in the report
        try fixture.database.addAction(
            centre: ReadSideFixture.centre, date: try LocalDate.parse("2026-11-16"), text: "Queue tickets & signs",
            target: "Mon 09:00-12:00", by: "dorji", nowMillis: 0)
        try fixture.database.addAction(
            centre: ReadSideFixture.centre, date: try LocalDate.parse("2026-11-24"), text: "Later action",
            target: nil, by: "dorji", nowMillis: 0)
        let evidence = AlertEvidence(
            answers: 9, negative: 9, fromMillis: 0, toMillis: 1, firstPressMillis: nil, lastPressMillis: nil,
            summary: "9 of 9 answers negative in 15 minutes")
        try fixture.database.apply(
            .open(AlertState(openedMillis: fixture.nowMillis, evidence: evidence)), centre: ReadSideFixture.centre,
            kind: .dip, subject: "satisfaction")
        return fixture
    }

    func report(_ fixture: ReadSideFixture) async throws -> WeeklyReport {
        let reader = CentreReader(
            database: fixture.database, clock: .fixed(fixture.nowMillis), settings: ReportSettings())
        return try await reader.weeklyReport(
            of: try await reader.centre("paro-dcrc"), weekOf: try LocalDate.parse("2026-11-18"))
    }

    @Test func theWeeksFiguresRankedHoursAlertsAndActions() async throws {
        let report = try await report(try hub())
        #expect(report.week.from.description == "2026-11-16" && report.week.to.description == "2026-11-22")
        let satisfaction = try #require(report.questions.first { $0.question == .satisfaction })
        // 27 presses, score sum 6·4 + 9·1 + 5·3 + 5·2 + 2·3 = 64: index (64 − 27)/(27·3) = 45.68.
        #expect(satisfaction.presses == 27 && abs(satisfaction.estimate!.index - 45.679) < 0.001)
        #expect(satisfaction.previousPresses == 6 && satisfaction.comparison.verdict == .better)
        // Four hours have 5 presses or more: two at each end; Thursday's 2 presses are too few.
        #expect(satisfaction.worst.map { "\($0.weekday) \($0.hour)" } == ["1 15", "3 11"])
        #expect(satisfaction.best.map { "\($0.weekday) \($0.hour)" } == ["1 9", "2 10"])
        #expect(satisfaction.thinCells == 1)
        #expect(report.openAlerts.count == 1)
        #expect(report.actions.map(\.action.text) == ["Queue tickets & signs"])
        // Judged as of Monday 2026-11-23: one week each side (data since 2026-11-09).
        let effect = try #require(report.actions.first?.effects.first { $0.question == .satisfaction })
        #expect(effect.after?.description == "2026-11-16 to 2026-11-22" && effect.afterTally.count == 6)
        #expect(effect.beforeTally.count == 6 && effect.comparison.verdict == .better)
    }

    @Test func theMailEscapesHTMLButNotTextAndLoadsNothingFromOutside() async throws {
        let mail = try WeeklyReportMail(try await report(try hub()))
        #expect(mail.subject == "Smiley weekly report: Paro <DCRC>, 2026-11-16 to 2026-11-22")
        #expect(mail.html.contains("Weekly report: Paro &lt;DCRC&gt;") && !mail.html.contains("Paro <DCRC>"))
        #expect(mail.html.contains("Queue tickets &amp; signs"))
        #expect(!mail.html.contains("<link") && !mail.html.contains("src=") && !mail.html.contains("<style"))
        #expect(!mail.html.contains("http://") && !mail.html.contains("https://"))
        #expect(mail.text.contains("Weekly report: Paro <DCRC>\n"))
        #expect(mail.text.contains("Satisfaction: 27 presses. Index 46 (95% interval"))
        #expect(mail.text.contains("+46 points on the week before (index 0, 6 presses): better, more than noise."))
        #expect(
            mail.text.contains(
                "Worst hours:\n  Monday 15:00: index 0 (9 presses)\n  Wednesday 11:00: index 33 (5 presses)\n"))
        #expect(
            mail.text.contains(
                "Best hours:\n  Monday 09:00: index 100 (6 presses)\n  Tuesday 10:00: index 67 (5 presses)\n"))
        #expect(mail.text.contains("  - Many unhappy answers: satisfaction: 9 of 9 answers negative in 15 minutes\n"))
        #expect(mail.text.contains("  2026-11-16: Queue tickets & signs\n"))
        #expect(!mail.text.contains("&amp;") && !mail.text.contains("Later action"))
    }

    @Test func anEmptyWeekSaysSoInsteadOfInventingFigures() async throws {
        let fixture = try ReadSideFixture()
        let reader = CentreReader(
            database: fixture.database, clock: .fixed(fixture.nowMillis), settings: ReportSettings())
        let report = try await reader.weeklyReport(
            of: try await reader.centre("paro-dcrc"), weekOf: try LocalDate.parse("2026-11-16"))
        let mail = try WeeklyReportMail(report)
        #expect(mail.text.contains("Satisfaction: 0 presses. No index: no presses."))
        #expect(mail.text.contains("Too few hours with at least 5 presses to name the worst and best."))
        #expect(mail.text.contains("Open alerts:\n  None.") && mail.text.contains("Actions taken:\n  None recorded."))
    }
}
