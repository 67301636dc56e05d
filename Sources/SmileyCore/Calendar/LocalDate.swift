/// A date on a centre's own calendar (no time, no zone): what a manager means by "Monday 2 November".
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// The date `days` days after 1970-01-01 (negative before it); proleptic Gregorian calendar.
    public init(daysSinceEpoch days: Int) {
        // Howard Hinnant's civil_from_days, exact for every Int that fits the arithmetic below.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        self.year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.month = month
        self.day = day
    }

    /// A valid calendar date, or an error naming what is wrong with it.
    public init(year: Int, month: Int, day: Int) throws(CalendarInputError) {
        guard (1...9999).contains(year) else { throw .invalidDate("\(year)-\(month)-\(day)", "year out of range") }
        guard (1...12).contains(month) else { throw .invalidDate("\(year)-\(month)-\(day)", "no month \(month)") }
        guard (1...Self.daysIn(month: month, year: year)).contains(day) else {
            throw .invalidDate("\(year)-\(month)-\(day)", "month \(month) of \(year) has no day \(day)")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public static func parse(_ text: String) throws(CalendarInputError) -> LocalDate {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { throw .invalidDate(text, "expected YYYY-MM-DD, for example 2026-11-02") }
        do { return try LocalDate(year: year, month: month, day: day) } catch { throw .invalidDate(text, error.reason) }
    }

    /// Days since 1970-01-01 (Hinnant's days_from_civil).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// 1 = Monday ... 7 = Sunday (ISO 8601). 1970-01-01 was a Thursday.
    public var weekday: Int {
        let fromMonday = (daysSinceEpoch + 3) % 7
        return (fromMonday < 0 ? fromMonday + 7 : fromMonday) + 1
    }

    public func adding(days: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// The Monday of this date's ISO week.
    public var startOfWeek: LocalDate { adding(days: 1 - weekday) }

    /// `YYYY-MM-DD`.
    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Self.parse(text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension LocalHour {
    /// The calendar date of this hour.
    public var date: LocalDate { LocalDate(trustedYear: year, month: month, day: day) }
}

extension LocalDate {
    /// For a date the calendar produced (not input): no checks.
    init(trustedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }
}

/// Calendar input (dates, windows, opening hours) that cannot be used; the message names the problem and the fix.
public enum CalendarInputError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidDate(String, String)
    case invalidWindow(String)
    case invalidOpeningHours(String, String)

    var reason: String {
        switch self {
        case .invalidDate(_, let reason), .invalidOpeningHours(_, let reason): reason
        case .invalidWindow(let reason): reason
        }
    }

    public var description: String {
        switch self {
        case .invalidDate(let text, let reason): "invalid date '\(text)': \(reason)"
        case .invalidWindow(let reason): "invalid window: \(reason)"
        case .invalidOpeningHours(let text, let reason):
            "invalid opening hours '\(text)': \(reason) (expected for example \"Mon-Fri 09:00-17:00, Sat 09:00-13:00\")"
        }
    }
}
