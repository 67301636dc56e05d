import SmileyCore
import Testing

@Suite struct WindowReportTests {
    @Test func aWeekAtACentreOpenWeekdays() throws {
        func day(_ text: String) throws -> LocalDate { try LocalDate.parse(text) }
        let window = try DateWindow(from: day("2026-11-23"), to: day("2026-11-29"))
        let calendar = OpeningCalendar(
            hours: try OpeningHours.parse("Mon-Fri 09:00-17:00"), holidays: [try day("2026-11-25")])
        let rows = [
            HourCount(date: try day("2026-11-23"), hour: 9, score: 4, count: 3),
            HourCount(date: try day("2026-11-23"), hour: 9, score: 1, count: 1),
            HourCount(date: try day("2026-11-23"), hour: 20, score: 4, count: 2),  // closed hour
            HourCount(date: try day("2026-11-25"), hour: 10, score: 2, count: 5),  // holiday
            HourCount(date: try day("2026-11-24"), hour: 9, score: 3, count: 6),
            HourCount(date: try day("2026-11-16"), hour: 9, score: 1, count: 6),  // the week before
            HourCount(date: try day("2026-11-02"), hour: 9, score: 1, count: 9),  // neither
        ]
        let report = WindowReport(
            question: .satisfaction, window: window, rows: rows, calendar: calendar, minimumCount: 5)
        #expect(report.hours == Array(9...16) && report.weekdays == [1, 2, 3, 4, 5])
        #expect(report.cells.count == 40)
        let monday = try #require(report.cell(weekday: 1, hour: 9))
        #expect(monday.count == 4 && !monday.enough && monday.estimate?.index == 75)
        let tuesday = try #require(report.cell(weekday: 2, hour: 9))
        #expect(tuesday.count == 6 && tuesday.enough && abs(tuesday.estimate!.index - 66.667) < 0.001)
        #expect(report.cell(weekday: 3, hour: 10)?.count == 0)
        #expect(report.cell(weekday: 6, hour: 10) == nil)
        #expect(report.outsideOpeningHours == 7)
        #expect(report.total.count == 10 && report.total.counts == [1, 0, 6, 3])
        #expect(report.daily.map(\.count) == [4, 6, 0, 0, 0, 0, 0])
        #expect(report.previousTotal.counts == [6, 0, 0, 0])
        #expect(report.comparison.verdict == .better)
    }

    @Test func withoutOpeningHoursTheHoursHoldingPressesAreDrawn() throws {
        let window = try DateWindow(from: LocalDate.parse("2026-11-23"), to: LocalDate.parse("2026-11-23"))
        let rows = [
            HourCount(date: window.from, hour: 8, score: 2, count: 1),
            HourCount(date: window.from, hour: 11, score: 3, count: 1),
        ]
        let report = WindowReport(
            question: .accessibility, window: window, rows: rows, calendar: .init(), minimumCount: 5)
        #expect(report.hours == [8, 9, 10, 11] && report.weekdays == Array(1...7))
        #expect(report.outsideOpeningHours == 0 && report.total.count == 2)
        #expect(report.comparison.verdict == .tooFewPresses)
    }

    /// The overview's totals count by the same rule as the full report, on every kind of row: open,
    /// closed, on a holiday, in the window before, outside both, empty, or of an impossible score.
    @Test func theTotalsAgreeWithTheReport() throws {
        var generator = SplitMix64(seed: 7)
        let window = WindowPreset.last13Weeks.window(today: try LocalDate.parse("2026-11-29"))
        let holidays: Set<LocalDate> = [try LocalDate.parse("2026-10-02"), try LocalDate.parse("2026-07-14")]
        for hours in [try OpeningHours.parse("Mon-Fri 09:00-17:00, Sat 09:00-13:00"), nil] {
            let calendar = OpeningCalendar(hours: hours, holidays: holidays)
            for question in Question.allCases {
                let rows = (0..<3_000).map { _ in
                    HourCount(
                        date: window.previous.from.adding(days: Int(generator.next() % 200) - 10),
                        hour: Int(generator.next() % 24), score: Int(generator.next() % 6),
                        count: Int(generator.next() % 4))
                }
                let report = WindowReport(
                    question: question, window: window, rows: rows, calendar: calendar, minimumCount: 5)
                let totals = WindowTotals(
                    question: question, window: window, rows: rows, calendar: calendar, minimumCount: 5)
                #expect(totals.total == report.total)
                #expect(totals.previousTotal == report.previousTotal)
                #expect(totals.outsideOpeningHours == report.outsideOpeningHours)
                #expect(totals.comparison == report.comparison)
                // The same totals from the rows summed by day (the hub's daily table), score 0 and 5 included.
                let days = DayCount.summing(rows, calendar: calendar)
                #expect(days.count < rows.count)
                #expect(days.reduce(0) { $0 + $1.open + $1.closed } == rows.reduce(0) { $0 + $1.count })
                #expect(
                    WindowTotals(question: question, window: window, days: days, minimumCount: 5) == totals)
                // The report from the window's hour rows and the window before's daily rows.
                let split = WindowReport(
                    question: question, window: window, rows: rows.filter { window.contains($0.date) },
                    previousDays: days, calendar: calendar, minimumCount: 5)
                #expect(split == report)
                #expect(totals.total.count > 0 && totals.previousTotal.count > 0)
                #expect(hours == nil || totals.outsideOpeningHours > 0)
            }
        }
    }
}
