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

/// One answer's presses summed over the daily rows of a window and the window before it: what
/// `WindowTotals` needs of those rows, so a store can sum them where they are held and hand over a few
/// rows per centre instead of one per day.
public struct WindowDaySum: Sendable, Hashable {
    public var score: Int
    /// Presses in open hours of the window.
    public var openInWindow: Int
    /// Presses in closed hours of the window.
    public var closedInWindow: Int
    /// Presses in open hours of the window before.
    public var openBefore: Int

    public init(score: Int, openInWindow: Int, closedInWindow: Int, openBefore: Int) {
        self.score = score
        self.openInWindow = openInWindow
        self.closedInWindow = closedInWindow
        self.openBefore = openBefore
    }

    /// The sums of daily rows of one question by score, in score order; rows outside the window and the
    /// window before are left out, and so are scores without a press in either.
    public static func summing(_ days: [DayCount], window: DateWindow) -> [WindowDaySum] {
        let previous = window.previous
        var sums: [Int: WindowDaySum] = [:]
        for day in days {
            let inWindow = window.contains(day.date)
            guard inWindow || previous.contains(day.date) else { continue }
            var sum =
                sums[day.score] ?? WindowDaySum(score: day.score, openInWindow: 0, closedInWindow: 0, openBefore: 0)
            if inWindow {
                sum.openInWindow += day.open
                sum.closedInWindow += day.closed
            } else {
                sum.openBefore += day.open
            }
            sums[day.score] = sum
        }
        return sums.values.filter { $0.openInWindow + $0.closedInWindow + $0.openBefore > 0 }
            .sorted { $0.score < $1.score }
    }
}

extension WindowTotals {
    /// The totals from daily rows (`DayCount`) of `question` covering the window and the window
    /// before: the same figures as from the hour rows they were summed from, with the same calendar.
    public init(question: Question, window: DateWindow, days: [DayCount], minimumCount: Int) {
        self.init(
            question: question, window: window, sums: WindowDaySum.summing(days, window: window),
            minimumCount: minimumCount)
    }

    /// The totals from the daily rows of `question` summed by answer over the window and the window before
    /// (`WindowDaySum`); answers whose score `question` does not have are ignored, as in the hour rows.
    public init(question: Question, window: DateWindow, sums: [WindowDaySum], minimumCount: Int) {
        var total = AnswerTally(question: question)
        var previousTotal = AnswerTally(question: question)
        var outside = 0
        for sum in sums where (1...question.maximumScore).contains(sum.score) {
            if sum.openInWindow > 0 { total.add(score: sum.score, count: sum.openInWindow) }
            outside += sum.closedInWindow
            if sum.openBefore > 0 { previousTotal.add(score: sum.score, count: sum.openBefore) }
        }
        self.init(
            question: question, window: window, total: total, previousTotal: previousTotal,
            outsideOpeningHours: outside, minimumCount: minimumCount)
    }
}
