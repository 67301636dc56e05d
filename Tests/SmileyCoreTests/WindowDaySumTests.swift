import SmileyCore
import Testing

/// The overview's sums of daily rows (`WindowDaySum`) give the totals of the hour rows they came from.
@Suite struct WindowDaySumTests {
    /// Windows of whole weeks and not (a gap of days between the window and the one before), rows in
    /// the window, before it, in the gap and outside both, empty rows and impossible scores.
    @Test(arguments: [7, 10, 91])
    func theSumsGiveTheTotalsOfTheHourRows(days: Int) throws {
        var generator = SplitMix64(seed: UInt64(days))
        let window = DateWindow(days: days, endingOn: try LocalDate.parse("2026-11-29"))
        let calendar = OpeningCalendar(
            hours: try OpeningHours.parse("Mon-Fri 09:00-17:00, Sat 09:00-13:00"),
            holidays: [window.to.adding(days: -2), window.previous.from.adding(days: 1)])
        for question in Question.allCases {
            let rows = (0..<2_000).map { _ in
                HourCount(
                    date: window.previous.from.adding(days: Int(generator.next() % UInt64(3 * days)) - days / 2),
                    hour: Int(generator.next() % 24), score: Int(generator.next() % 6), count: Int(generator.next() % 4)
                )
            }
            let plain = WindowTotals(
                question: question, window: window, rows: rows, calendar: calendar, minimumCount: 5)
            let dayRows = DayCount.summing(rows, calendar: calendar)
            let sums = WindowDaySum.summing(dayRows, window: window)
            #expect(WindowTotals(question: question, window: window, sums: sums, minimumCount: 5) == plain)
            #expect(WindowTotals(question: question, window: window, days: dayRows, minimumCount: 5) == plain)
            #expect(sums.map(\.score) == sums.map(\.score).sorted() && sums.count <= 6)
            #expect(sums.allSatisfy { $0.openInWindow + $0.closedInWindow + $0.openBefore > 0 })
            #expect(plain.total.count > 0 && plain.previousTotal.count > 0 && plain.outsideOpeningHours > 0)
        }
    }

    @Test func rowsOutsideBothWindowsOrInTheGapAreLeftOut() throws {
        let window = DateWindow(days: 10, endingOn: try LocalDate.parse("2026-11-29"))
        let gap = window.previous.to.adding(days: 1)
        #expect(gap < window.from)
        let days = [
            DayCount(date: gap, score: 3, open: 5, closed: 1),
            DayCount(date: window.previous.from.adding(days: -1), score: 2, open: 7, closed: 0),
            DayCount(date: window.to.adding(days: 1), score: 2, open: 7, closed: 0),
            DayCount(date: window.from, score: 4, open: 2, closed: 3),
            DayCount(date: window.to, score: 4, open: 1, closed: 0),
            DayCount(date: window.previous.to, score: 1, open: 6, closed: 9),
            DayCount(date: window.previous.from, score: 5, open: 0, closed: 0),
        ]
        #expect(
            WindowDaySum.summing(days, window: window) == [
                WindowDaySum(score: 1, openInWindow: 0, closedInWindow: 0, openBefore: 6),
                WindowDaySum(score: 4, openInWindow: 3, closedInWindow: 3, openBefore: 0),
            ])
        #expect(WindowDaySum.summing([], window: window).isEmpty)
    }
}
