/// When a centre is open, per ISO weekday, as minute ranges of the local day, for example
/// "Mon-Fri 09:00-17:00, Sat 09:00-13:00". Heatmaps draw only open hours; presses outside them are counted apart.
public struct OpeningHours: Sendable, Hashable, CustomStringConvertible {
    /// Half-open minute ranges [start, end) of the day, per weekday 1 (Monday) ... 7 (Sunday).
    public let ranges: [Int: [Range<Int>]]

    static let dayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    public init(ranges: [Int: [Range<Int>]]) {
        self.ranges = ranges.filter { !$0.value.isEmpty }.mapValues { $0.sorted { $0.lowerBound < $1.lowerBound } }
    }

    /// Parses clauses separated by commas, each `DAYS TIME-TIME [TIME-TIME ...]`, where DAYS is a day
    /// (`Sat`) or a run of days (`Mon-Fri`) and times are `HH:MM` (24:00 ends a day).
    public static func parse(_ text: String) throws(CalendarInputError) -> OpeningHours {
        var ranges: [Int: [Range<Int>]] = [:]
        let clauses = text.split(separator: ",").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        guard !clauses.isEmpty, clauses.allSatisfy({ !$0.isEmpty }) else {
            throw .invalidOpeningHours(text, "nothing given")
        }
        for clause in clauses {
            let days = try weekdays(String(clause[0]), in: text)
            guard clause.count >= 2 else { throw .invalidOpeningHours(text, "'\(clause[0])' has no times") }
            for span in clause.dropFirst() {
                let ends = span.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count == 2 else { throw .invalidOpeningHours(text, "'\(span)' is not HH:MM-HH:MM") }
                let start = try minute(String(ends[0]), in: text)
                let end = try minute(String(ends[1]), in: text)
                guard start < end else { throw .invalidOpeningHours(text, "'\(span)' ends before it starts") }
                for day in days {
                    if let clash = ranges[day, default: []].first(where: { $0.overlaps(start..<end) }) {
                        throw .invalidOpeningHours(
                            text, "\(dayNames[day - 1]) \(format(start..<end)) overlaps \(format(clash))")
                    }
                    ranges[day, default: []].append(start..<end)
                }
            }
        }
        return OpeningHours(ranges: ranges)
    }

    /// Whether any part of the local hour `hour` (0...23) of `weekday` is open.
    public func isOpen(weekday: Int, hour: Int) -> Bool {
        let slot = hour * 60..<(hour + 1) * 60
        return ranges[weekday]?.contains { $0.overlaps(slot) } ?? false
    }

    /// The hours of the day open on at least one weekday, in order: the rows a heatmap draws.
    public var openHoursOfDay: [Int] {
        (0..<24).filter { hour in (1...7).contains { isOpen(weekday: $0, hour: hour) } }
    }

    public var openWeekdays: [Int] { (1...7).filter { ranges[$0] != nil } }

    /// Canonical text: days with equal hours joined into runs, for example "Mon-Fri 09:00-17:00, Sat 09:00-13:00".
    public var description: String {
        var clauses: [String] = []
        var day = 1
        while day <= 7 {
            guard let hours = ranges[day] else {
                day += 1
                continue
            }
            var last = day
            while last < 7, ranges[last + 1] == hours { last += 1 }
            let days = last == day ? Self.dayNames[day - 1] : "\(Self.dayNames[day - 1])-\(Self.dayNames[last - 1])"
            clauses.append(([days] + hours.map(Self.format)).joined(separator: " "))
            day = last + 1
        }
        return clauses.joined(separator: ", ")
    }

    static func format(_ range: Range<Int>) -> String { "\(clock(range.lowerBound))-\(clock(range.upperBound))" }

    static func clock(_ minute: Int) -> String {
        let hours = minute / 60
        let minutes = minute % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
    }

    private static func weekdays(_ text: String, in whole: String) throws(CalendarInputError) -> [Int] {
        func day(_ name: Substring) throws(CalendarInputError) -> Int {
            guard let index = dayNames.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
                throw .invalidOpeningHours(whole, "unknown day '\(name)' (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
            }
            return index + 1
        }
        let ends = text.split(separator: "-", omittingEmptySubsequences: false)
        switch ends.count {
        case 1: return [try day(ends[0])]
        case 2:
            let first = try day(ends[0])
            let last = try day(ends[1])
            guard first <= last else {
                throw .invalidOpeningHours(whole, "'\(text)' runs backwards (write Mon-Fri, and Sun on its own)")
            }
            return Array(first...last)
        default: throw .invalidOpeningHours(whole, "'\(text)' is not a day or a run of days")
        }
    }

    private static func minute(_ text: String, in whole: String) throws(CalendarInputError) -> Int {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
            let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...24).contains(hours),
            (0..<60).contains(minutes),
            hours * 60 + minutes <= 24 * 60
        else { throw .invalidOpeningHours(whole, "'\(text)' is not a time HH:MM between 00:00 and 24:00") }
        return hours * 60 + minutes
    }
}

/// A centre's opening hours and holidays together: whether a given local hour counts as open.
/// Without opening hours every hour is open; holidays are closed all day.
public struct OpeningCalendar: Sendable, Hashable {
    public var hours: OpeningHours?
    public var holidays: Set<LocalDate>

    public init(hours: OpeningHours? = nil, holidays: Set<LocalDate> = []) {
        self.hours = hours
        self.holidays = holidays
    }

    public func isOpen(date: LocalDate, hour: Int) -> Bool {
        if holidays.contains(date) { return false }
        guard let hours else { return true }
        return hours.isOpen(weekday: date.weekday, hour: hour)
    }

    public func isOpenDay(_ date: LocalDate) -> Bool {
        if holidays.contains(date) { return false }
        guard let hours else { return true }
        return hours.ranges[date.weekday] != nil
    }
}
