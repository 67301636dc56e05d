import Foundation

/// When a centre's weekly report is due: once the week's last opening hour has ended, in the centre's zone.
///
/// A week runs Monday to Sunday (ISO 8601). Its report is due at the end of the last open range of its last
/// open day (holidays are closed); a centre without opening hours, or closed the whole week, gets its report
/// at the end of Sunday (midnight). Pure: the clock's reading is an argument.
public struct WeeklyReportSchedule: Sendable {
    public let calendar: OpeningCalendar
    public let timeZone: TimeZone

    public init(calendar: OpeningCalendar, timeZone: TimeZone) {
        self.calendar = calendar
        self.timeZone = timeZone
    }

    /// The local date and minute of the day (0...1440) after which the week starting on `monday` is reported.
    public func dueLocal(weekOf monday: LocalDate) -> (date: LocalDate, minute: Int) {
        let start = monday.startOfWeek
        for offset in stride(from: 6, through: 0, by: -1) {
            let date = start.adding(days: offset)
            guard calendar.isOpenDay(date), let hours = calendar.hours else { continue }
            if let end = hours.ranges[date.weekday]?.map(\.upperBound).max() { return (date, end) }
        }
        return (start.adding(days: 6), 24 * 60)
    }

    /// The instant (milliseconds since 1970) the week's report is due.
    public func dueMillis(weekOf monday: LocalDate) -> Int64 {
        let (day, minute) = dueLocal(weekOf: monday)
        // 24:00 is the next day's midnight; wall-clock fields, not elapsed minutes, across daylight-saving changes.
        let date = minute == 24 * 60 ? day.adding(days: 1) : day
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = timeZone
        let instant = gregorian.date(
            from: DateComponents(
                year: date.year, month: date.month, day: date.day, hour: (minute % 1440) / 60, minute: minute % 60))!
        return Int64((instant.timeIntervalSince1970 * 1000).rounded())
    }

    /// The latest week whose report is due at `nowMillis` (this week once its last opening hour is over,
    /// otherwise the week before), and when it fell due.
    public func latestDueWeek(nowMillis: Int64) -> (week: DateWindow, dueMillis: Int64) {
        let today = HourBucketer(timeZone: timeZone).localHour(ofMillis: nowMillis).date
        let thisWeek = today.startOfWeek
        let due = dueMillis(weekOf: thisWeek)
        let monday = due <= nowMillis ? thisWeek : thisWeek.adding(days: -7)
        return (DateWindow(days: 7, endingOn: monday.adding(days: 6)), dueMillis(weekOf: monday))
    }
}
