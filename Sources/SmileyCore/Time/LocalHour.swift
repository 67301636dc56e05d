import Foundation

/// One hour of one day on a centre's own wall clock: the cell a press is counted in.
public struct LocalHour: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    /// 0 ... 23.
    public let hour: Int
    /// 1 = Monday ... 7 = Sunday (ISO 8601).
    public let weekday: Int

    public init(year: Int, month: Int, day: Int, hour: Int, weekday: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.weekday = weekday
    }

    /// Sortable text key, for example `2026-11-02T09`.
    public var key: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2))"
    }

    public var description: String { key }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.key < rhs.key }
}

/// Turns instants into the local hours of one time zone (Bhutan's centres use Asia/Thimphu, UTC+6).
public struct HourBucketer: Sendable {
    public let timeZone: TimeZone
    private let calendar: Calendar

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// A bucketer for an IANA zone name; the error names the zone when it is not known.
    public init(timeZoneIdentifier: String) throws(ModelError) {
        guard let zone = TimeZone(identifier: timeZoneIdentifier) else {
            throw .unknownTimeZone(timeZoneIdentifier)
        }
        self.init(timeZone: zone)
    }

    public func localHour(of date: Date) -> LocalHour {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .weekday], from: date)
        // Gregorian weekdays count from Sunday = 1; ISO weeks start on Monday = 1.
        let isoWeekday = ((parts.weekday! + 5) % 7) + 1
        return LocalHour(
            year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, weekday: isoWeekday)
    }

    public func localHour(ofMillis millis: Int64) -> LocalHour {
        localHour(of: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
