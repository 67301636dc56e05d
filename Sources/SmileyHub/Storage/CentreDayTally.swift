import SmileyCore

/// `centre_day`'s rows summed from `centre_hour`'s: each hour's presses go to its day's open or closed
/// count as `DayCount.part` decides under the centre's calendar. Both backends write what this sums,
/// when ingest adds hours and when a change of opening hours or holidays rebuilds days.
struct CentreDayTally: Sendable {
    struct Key: Sendable, Hashable, Comparable {
        var question: String
        var day: Int
        var answer: String

        static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.question, lhs.day, lhs.answer) < (rhs.question, rhs.day, rhs.answer)
        }
    }

    struct Change: Sendable, Hashable {
        var score: Int
        var open = 0
        var closed = 0
    }

    let calendar: OpeningCalendar
    private(set) var days: [Key: Change] = [:]

    init(calendar: OpeningCalendar) {
        self.calendar = calendar
    }

    /// Adds one hour row's presses (rows without presses change nothing).
    mutating func add(question: String, day: Int, hour: Int, answer: String, score: Int, count: Int) {
        guard count > 0 else { return }
        let key = Key(question: question, day: day, answer: answer)
        var change = days[key] ?? Change(score: score)
        switch DayCount.part(date: LocalDate(daysSinceEpoch: day), hour: hour, calendar: calendar) {
        case .open: change.open += count
        case .closed: change.closed += count
        }
        days[key] = change
    }

    /// The rows in key order (two transactions writing the same rows lock them in the same order).
    var rows: [(key: Key, change: Change)] {
        days.sorted { $0.key < $1.key }.map { (key: $0.key, change: $0.value) }
    }
}
