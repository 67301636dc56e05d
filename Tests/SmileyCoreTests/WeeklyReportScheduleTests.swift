import Foundation
import SmileyCore
import Testing

/// When a weekly report falls due, with fixed clocks.
@Suite struct WeeklyReportScheduleTests {
    let thimphu = TimeZone(identifier: "Asia/Thimphu")!

    func date(_ text: String) -> LocalDate { try! LocalDate.parse(text) }

    func millis(_ iso: String) -> Int64 {
        Int64(ISO8601DateFormatter().date(from: iso)!.timeIntervalSince1970 * 1000)
    }

    func schedule(_ hours: String?, holidays: Set<LocalDate> = [], zone: TimeZone? = nil) -> WeeklyReportSchedule {
        WeeklyReportSchedule(
            calendar: OpeningCalendar(hours: hours.map { try! OpeningHours.parse($0) }, holidays: holidays),
            timeZone: zone ?? thimphu)
    }

    @Test func dueWhenFridayClosesInTheCentresZone() {
        let weekdays = schedule("Mon-Fri 09:00-17:00")
        #expect(weekdays.dueLocal(weekOf: date("2026-11-16")) == (date("2026-11-20"), 17 * 60))
        // Friday 17:00 in Thimphu (UTC+6) is 11:00 UTC; any day of the week names the same week.
        #expect(weekdays.dueMillis(weekOf: date("2026-11-18")) == millis("2026-11-20T11:00:00Z"))
    }

    @Test func theLastRangeOfTheLastOpenDayCounts() {
        let saturday = schedule("Mon-Fri 09:00-17:00, Sat 09:00-12:00 13:00-15:30")
        #expect(saturday.dueLocal(weekOf: date("2026-11-16")) == (date("2026-11-21"), 15 * 60 + 30))
        #expect(saturday.dueMillis(weekOf: date("2026-11-16")) == millis("2026-11-21T09:30:00Z"))
    }

    @Test func aHolidayOnFridayMovesItToThursday() {
        let holiday = schedule("Mon-Fri 09:00-17:00", holidays: [date("2026-11-20")])
        #expect(holiday.dueLocal(weekOf: date("2026-11-16")) == (date("2026-11-19"), 17 * 60))
    }

    @Test func withoutOpeningHoursItIsDueAtTheEndOfSundayEvenAcrossASummerTimeChange() {
        #expect(schedule(nil).dueMillis(weekOf: date("2026-11-16")) == millis("2026-11-22T18:00:00Z"))
        // New York moves its clocks forward on Sunday 2026-03-08: local midnight after it is 04:00 UTC.
        let newYork = schedule(nil, zone: TimeZone(identifier: "America/New_York")!)
        #expect(newYork.dueMillis(weekOf: date("2026-03-02")) == millis("2026-03-09T04:00:00Z"))
        let closedAllWeek = schedule("Mon-Fri 09:00-17:00", holidays: Set((16...20).map { date("2026-11-\($0)") }))
        #expect(closedAllWeek.dueLocal(weekOf: date("2026-11-16")) == (date("2026-11-22"), 24 * 60))
    }

    @Test func theLatestDueWeekTurnsOverAtClosingTime() {
        let weekdays = schedule("Mon-Fri 09:00-17:00")
        let before = weekdays.latestDueWeek(nowMillis: millis("2026-11-20T10:59:59Z"))
        #expect(before.week.from == date("2026-11-09") && before.week.to == date("2026-11-15"))
        #expect(before.dueMillis == millis("2026-11-13T11:00:00Z"))
        let after = weekdays.latestDueWeek(nowMillis: millis("2026-11-20T11:00:00Z"))
        #expect(after.week.from == date("2026-11-16") && after.week.to == date("2026-11-22"))
        // Monday morning, the week before is the latest due.
        let monday = weekdays.latestDueWeek(nowMillis: millis("2026-11-23T03:00:00Z"))
        #expect(monday.week.from == date("2026-11-16"))
    }
}
