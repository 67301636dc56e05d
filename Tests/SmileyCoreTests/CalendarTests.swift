import Foundation
import SmileyCore
import Testing

@Suite struct CalendarTests {
    func date(_ text: String) throws -> LocalDate { try LocalDate.parse(text) }

    @Test func datesCountDaysFromTheEpoch() throws {
        #expect(LocalDate(daysSinceEpoch: 0).description == "1970-01-01")
        #expect(LocalDate(daysSinceEpoch: 0).weekday == 4)  // a Thursday
        #expect(try date("2026-11-29").weekday == 7)  // a Sunday
        #expect(try date("2026-11-23").weekday == 1)
        #expect(try date("2000-03-01").daysSinceEpoch == 11_017)
        #expect(LocalDate(daysSinceEpoch: -1).description == "1969-12-31")
        for days in stride(from: -800_000, through: 2_900_000, by: 997) {
            #expect(LocalDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        // Every day of a leap year and its neighbours round-trips through the text form.
        for days in 20_454...21_300 {
            let day = LocalDate(daysSinceEpoch: days)
            #expect(try LocalDate.parse(day.description) == day)
        }
    }

    @Test func impossibleDatesAreNamed() {
        #expect(throws: CalendarInputError.invalidDate("2027-02-29", "month 2 of 2027 has no day 29")) {
            try LocalDate.parse("2027-02-29")
        }
        #expect((try? LocalDate.parse("2028-02-29")) != nil)
        for text in ["2026-13-01", "2026-1-01", "26-11-01", "2026-11-00", "tomorrow", "", "２０２６-11-01"] {
            #expect(throws: CalendarInputError.self) { try LocalDate.parse(text) }
        }
    }

    @Test func presetsOnASunday() throws {
        let today = try date("2026-11-29")
        #expect(WindowPreset.today.window(today: today) == (try DateWindow(from: today, to: today)))
        #expect(WindowPreset.yesterday.window(today: today).description == "2026-11-28")
        #expect(WindowPreset.thisWeek.window(today: today).description == "2026-11-23 to 2026-11-29")
        #expect(WindowPreset.lastWeek.window(today: today).description == "2026-11-16 to 2026-11-22")
        #expect(WindowPreset.last4Weeks.window(today: today).description == "2026-11-02 to 2026-11-29")
        #expect(WindowPreset.last13Weeks.window(today: today).dayCount == 91)
        #expect(WindowPreset.last13Weeks.window(today: today).from.description == "2026-08-31")
    }

    @Test func presetsAcrossAYearAndAWeekBoundary() throws {
        // 2027-01-01 is a Friday: this week began in 2026.
        let newYear = try date("2027-01-01")
        #expect(WindowPreset.thisWeek.window(today: newYear).description == "2026-12-28 to 2027-01-01")
        #expect(WindowPreset.lastWeek.window(today: newYear).description == "2026-12-21 to 2026-12-27")
        // On a Monday, this week is just today and last week is the whole week before.
        let monday = try date("2026-11-30")
        #expect(WindowPreset.thisWeek.window(today: monday).description == "2026-11-30")
        #expect(WindowPreset.lastWeek.window(today: monday).description == "2026-11-23 to 2026-11-29")
    }

    @Test func thePreviousWindowLinesUpWeekdays() throws {
        let today = try date("2026-11-25")  // a Wednesday
        #expect(WindowPreset.today.window(today: today).previous.description == "2026-11-18")
        #expect(WindowPreset.thisWeek.window(today: today).previous.description == "2026-11-16 to 2026-11-18")
        #expect(WindowPreset.last4Weeks.window(today: today).previous.description == "2026-10-01 to 2026-10-28")
        let tenDays = try DateWindow(from: date("2026-11-01"), to: date("2026-11-10"))
        #expect(tenDays.previous.description == "2026-10-18 to 2026-10-27")
    }

    @Test func windowsAreParsedAndBounded() throws {
        #expect(try WindowChoice.parse(window: nil, from: nil, to: nil, fallback: .last4Weeks) == .preset(.last4Weeks))
        #expect(try WindowChoice.parse(window: "last-week", from: nil, to: nil, fallback: .today) == .preset(.lastWeek))
        #expect(
            try WindowChoice.parse(window: nil, from: "2026-11-01", to: "2026-11-07", fallback: .today)
                == .dates(DateWindow(from: date("2026-11-01"), to: date("2026-11-07"))))
        #expect(throws: CalendarInputError.invalidWindow("from 2026-11-07 is after to 2026-11-01")) {
            try WindowChoice.parse(window: nil, from: "2026-11-07", to: "2026-11-01", fallback: .today)
        }
        #expect(throws: CalendarInputError.self) {
            try WindowChoice.parse(window: nil, from: "0001-01-01", to: "9999-12-31", fallback: .today)
        }
        #expect(throws: CalendarInputError.self) {
            try WindowChoice.parse(window: "forever", from: nil, to: nil, fallback: .today)
        }
    }

    @Test func openingHoursAreParsed() throws {
        let hours = try OpeningHours.parse("Mon-Fri 09:00-17:00, Sat 09:00-13:00")
        #expect(hours.isOpen(weekday: 1, hour: 9) && hours.isOpen(weekday: 5, hour: 16))
        #expect(!hours.isOpen(weekday: 1, hour: 8) && !hours.isOpen(weekday: 1, hour: 17))
        #expect(hours.isOpen(weekday: 6, hour: 12) && !hours.isOpen(weekday: 6, hour: 13))
        #expect(!hours.isOpen(weekday: 7, hour: 10))
        #expect(hours.openHoursOfDay == Array(9...16))
        #expect(hours.openWeekdays == [1, 2, 3, 4, 5, 6])
        #expect(hours.description == "Mon-Fri 09:00-17:00, Sat 09:00-13:00")
        #expect(try OpeningHours.parse(hours.description) == hours)
        // An hour counts as open when any part of it is.
        let split = try OpeningHours.parse("tue 09:30-12:15 13:00-16:00")
        #expect(split.openHoursOfDay == [9, 10, 11, 12, 13, 14, 15])
        #expect(split.description == "Tue 09:30-12:15 13:00-16:00")
        #expect(try OpeningHours.parse("Sun 00:00-24:00").openHoursOfDay == Array(0...23))
    }

    @Test func badOpeningHoursAreNamed() {
        func message(_ text: String) -> String {
            do {
                _ = try OpeningHours.parse(text)
                return "parsed"
            } catch { return error.description }
        }
        #expect(message("Mon-Fri 9-17").contains("'9' is not a time HH:MM"))
        #expect(message("Fri-Mon 09:00-17:00").contains("runs backwards"))
        #expect(message("Mon 17:00-09:00").contains("ends before it starts"))
        #expect(message("Mon 09:00-12:00, Mon-Tue 11:00-13:00").contains("Mon 11:00-13:00 overlaps 09:00-12:00"))
        #expect(message("Monday 09:00-12:00").contains("unknown day 'Monday'"))
        #expect(message("Mon").contains("has no times"))
        #expect(message("").contains("nothing given"))
        #expect(message("Mon 09:00-25:00").contains("'25:00'"))
    }

    @Test func holidaysCloseWholeDays() throws {
        let calendar = OpeningCalendar(
            hours: try OpeningHours.parse("Mon-Fri 09:00-17:00"), holidays: [try date("2026-12-17")])
        #expect(!calendar.isOpen(date: try date("2026-12-17"), hour: 10))
        #expect(calendar.isOpen(date: try date("2026-12-16"), hour: 10))
        #expect(!calendar.isOpenDay(try date("2026-12-19")))  // a Saturday
        #expect(OpeningCalendar().isOpen(date: try date("2026-12-19"), hour: 3))
    }
}
