/// A run of whole days on a centre's calendar, both ends included: what every view of the hub shows.
public struct DateWindow: Sendable, Hashable, Codable, CustomStringConvertible {
    public let from: LocalDate
    public let to: LocalDate

    /// The longest window a view reads (about three years), so no request can ask for unbounded work.
    public static let maximumDays = 1_100

    public init(from: LocalDate, to: LocalDate) throws(CalendarInputError) {
        guard from <= to else { throw .invalidWindow("from \(from) is after to \(to)") }
        let days = to.daysSinceEpoch - from.daysSinceEpoch + 1
        guard days <= Self.maximumDays else {
            throw .invalidWindow("\(days) days from \(from) to \(to); at most \(Self.maximumDays) days")
        }
        self.from = from
        self.to = to
    }

    /// The `days` days that end on `last`.
    public init(days: Int, endingOn last: LocalDate) {
        precondition((1...Self.maximumDays).contains(days))
        self.from = last.adding(days: 1 - days)
        self.to = last
    }

    public var dayCount: Int { to.daysSinceEpoch - from.daysSinceEpoch + 1 }

    public var dates: [LocalDate] { (0..<dayCount).map { from.adding(days: $0) } }

    public func contains(_ date: LocalDate) -> Bool { from <= date && date <= to }

    /// The window this one is compared with: the same length, moved back by whole weeks (its length rounded
    /// up to a multiple of seven days) so that each weekday is compared with the same weekday. Today is
    /// compared with the same weekday last week; this week so far with the same days of last week.
    public var previous: DateWindow {
        let shift = (dayCount + 6) / 7 * 7
        return DateWindow(uncheckedFrom: from.adding(days: -shift), to: to.adding(days: -shift))
    }

    public var description: String { from == to ? "\(from)" : "\(from) to \(to)" }

    private init(uncheckedFrom from: LocalDate, to: LocalDate) {
        self.from = from
        self.to = to
    }

    public init(from decoder: any Decoder) throws {
        struct Raw: Decodable { var from: LocalDate, to: LocalDate }
        let raw = try Raw(from: decoder)
        do { try self.init(from: raw.from, to: raw.to) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    private enum CodingKeys: String, CodingKey { case from, to }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
    }
}

/// The windows a manager picks from; dates are the centre's local dates.
public enum WindowPreset: String, Sendable, CaseIterable, Codable {
    case today
    case yesterday
    case thisWeek = "this-week"
    case lastWeek = "last-week"
    case last4Weeks = "last-4-weeks"
    case last13Weeks = "last-13-weeks"

    /// The window this preset means on the day `today` (weeks start on Monday, ISO 8601).
    public func window(today: LocalDate) -> DateWindow {
        switch self {
        case .today: DateWindow(days: 1, endingOn: today)
        case .yesterday: DateWindow(days: 1, endingOn: today.adding(days: -1))
        case .thisWeek: DateWindow(days: today.weekday, endingOn: today)
        case .lastWeek: DateWindow(days: 7, endingOn: today.startOfWeek.adding(days: -1))
        case .last4Weeks: DateWindow(days: 28, endingOn: today)
        case .last13Weeks: DateWindow(days: 91, endingOn: today)
        }
    }

    public var label: String {
        switch self {
        case .today: "Today"
        case .yesterday: "Yesterday"
        case .thisWeek: "This week"
        case .lastWeek: "Last week"
        case .last4Weeks: "Last 4 weeks"
        case .last13Weeks: "Last 13 weeks"
        }
    }
}

/// What a request asked to see: a preset, or explicit dates.
public enum WindowChoice: Sendable, Hashable {
    case preset(WindowPreset)
    case dates(DateWindow)

    /// Reads `window=PRESET` or `from=YYYY-MM-DD&to=YYYY-MM-DD` (either date alone means that single day);
    /// neither gives `fallback`. Errors name the parameter and the valid values.
    public static func parse(window: String?, from: String?, to: String?, fallback: WindowPreset)
        throws(CalendarInputError) -> WindowChoice
    {
        if let window, !window.isEmpty, window != "custom" {
            guard let preset = WindowPreset(rawValue: window) else {
                let valid = WindowPreset.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidWindow("unknown window '\(window)' (expected one of: \(valid), or from and to dates)")
            }
            return .preset(preset)
        }
        let fromText = from.flatMap { $0.isEmpty ? nil : $0 }
        let toText = to.flatMap { $0.isEmpty ? nil : $0 }
        switch (fromText, toText) {
        case (nil, nil): return .preset(fallback)
        case (let a?, nil): return .dates(try DateWindow(from: LocalDate.parse(a), to: LocalDate.parse(a)))
        case (nil, let b?): return .dates(try DateWindow(from: LocalDate.parse(b), to: LocalDate.parse(b)))
        case (let a?, let b?): return .dates(try DateWindow(from: LocalDate.parse(a), to: LocalDate.parse(b)))
        }
    }

    public func window(today: LocalDate) -> DateWindow {
        switch self {
        case .preset(let preset): preset.window(today: today)
        case .dates(let window): window
        }
    }

    /// Words for the page: "Last 4 weeks" or "2026-11-02 to 2026-11-08".
    public func label(today: LocalDate) -> String {
        switch self {
        case .preset(let preset): preset.label
        case .dates(let window): window.description
        }
    }

    public var preset: WindowPreset? {
        if case .preset(let preset) = self { return preset }
        return nil
    }
}
