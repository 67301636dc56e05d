/// Presses of one question and one answer on one local date, split by whether their hour was open
/// under the centre's opening hours and holidays: a row of the hub's daily table, which the overview
/// reads instead of every hour row. Summed from `HourCount`s by `DayCount.summing`, under the same
/// rule `WindowTotals` applies to the hour rows, so the totals of either agree exactly.
public struct DayCount: Sendable, Hashable {
    public var date: LocalDate
    public var score: Int
    /// Presses in hours the calendar counts as open.
    public var open: Int
    /// Presses in hours it counts as closed (outside opening hours, or a holiday).
    public var closed: Int

    public init(date: LocalDate, score: Int, open: Int, closed: Int) {
        self.date = date
        self.score = score
        self.open = open
        self.closed = closed
    }

    /// Where an hour's presses go in its day's row.
    public enum Part: Sendable, Hashable {
        case open, closed
    }

    /// Whether the presses of `hour` on `date` count as open or closed under `calendar`.
    public static func part(date: LocalDate, hour: Int, calendar: OpeningCalendar) -> Part {
        calendar.isOpen(date: date, hour: hour) ? .open : .closed
    }

    /// The daily rows of hour rows of one question, keyed by date and score (an answer's score names
    /// it within its question), in date then score order; rows without presses are left out.
    public static func summing(_ hours: [HourCount], calendar: OpeningCalendar) -> [DayCount] {
        var days: [DayKey: DayCount] = [:]
        for row in hours where row.count > 0 {
            let key = DayKey(day: row.date.daysSinceEpoch, score: row.score)
            var day = days[key] ?? DayCount(date: row.date, score: row.score, open: 0, closed: 0)
            switch part(date: row.date, hour: row.hour, calendar: calendar) {
            case .open: day.open += row.count
            case .closed: day.closed += row.count
            }
            days[key] = day
        }
        return days.sorted { ($0.key.day, $0.key.score) < ($1.key.day, $1.key.score) }.map(\.value)
    }

    private struct DayKey: Hashable {
        var day: Int
        var score: Int
    }
}

extension WindowTotals {
    /// The totals from daily rows (`DayCount`) of `question` covering the window and the window
    /// before: the same figures as from the hour rows they were summed from, with the same calendar.
    public init(question: Question, window: DateWindow, days: [DayCount], minimumCount: Int) {
        let previous = window.previous
        var total = AnswerTally(question: question)
        var previousTotal = AnswerTally(question: question)
        var outside = 0
        for day in days where (1...question.maximumScore).contains(day.score) {
            if window.contains(day.date) {
                if day.open > 0 { total.add(score: day.score, count: day.open) }
                outside += day.closed
            } else if previous.contains(day.date), day.open > 0 {
                previousTotal.add(score: day.score, count: day.open)
            }
        }
        self.init(
            question: question, window: window, total: total, previousTotal: previousTotal,
            outsideOpeningHours: outside, minimumCount: minimumCount)
    }
}
