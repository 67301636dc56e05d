/// Whether an action a centre took changed the index: the same hours of the same weekdays for an equal
/// period before and after the action's date, each with its Wilson interval, and a Welch z-test of the
/// difference (docs/statistics.md, "Actions taken").
///
/// The after period starts on the action's date and lasts `weeks` whole weeks, cut at the last whole day
/// (yesterday) and at the data the centre holds before the action; it is a whole number of weeks when it
/// is a week or longer. The before period is the after period moved back by whole weeks (its length rounded
/// up to seven days), so each weekday is compared with the same weekday. Only open hours count, and when
/// the action names its hours (`target`, for example "Mon 09:00-12:00") only those.
public struct ActionEffect: Sendable, Hashable {
    public enum Status: String, Error, Sendable, Hashable {
        /// Both periods were computed (the comparison may still say "too few presses").
        case compared
        /// The action's date is today or later: no whole day after it yet.
        case tooEarly = "too-early"
        /// The centre holds no presses from before the action's date.
        case noDataBefore = "no-data-before"
    }

    public let question: Question
    public let status: Status
    public let before: DateWindow?
    public let after: DateWindow?
    public let beforeTally: AnswerTally
    public let afterTally: AnswerTally
    public let comparison: PeriodComparison

    public var beforeEstimate: IndexEstimate? { beforeTally.estimate }
    public var afterEstimate: IndexEstimate? { afterTally.estimate }

    /// The periods an action on `date` is judged by, or the reason there are none.
    /// - Parameters:
    ///   - today: the centre's local date now; the after period ends yesterday at the latest.
    ///   - firstData: the first date the centre holds presses for (nil: none at all).
    public static func periods(actionDate date: LocalDate, today: LocalDate, firstData: LocalDate?, weeks: Int)
        -> Result<(before: DateWindow, after: DateWindow), Status>
    {
        let daysAfter = min(weeks * 7, today.daysSinceEpoch - date.daysSinceEpoch)
        guard daysAfter >= 1 else { return .failure(.tooEarly) }
        guard let firstData, firstData < date else { return .failure(.noDataBefore) }
        let daysBefore = date.daysSinceEpoch - firstData.daysSinceEpoch
        var length = min(daysAfter, daysBefore)
        if length >= 7 { length = length / 7 * 7 }
        let after = DateWindow(days: length, endingOn: date.adding(days: length - 1))
        return .success((after.previous, after))
    }

    /// - Parameters:
    ///   - rows: rollup rows of `question` covering both periods (rows outside them are ignored).
    ///   - calendar: the centre's opening hours and holidays; closed hours never count.
    ///   - target: the hours the action is about (nil: every open hour).
    ///   - minimumCount: presses each period needs before a change can be called more than noise.
    public init(
        question: Question, actionDate: LocalDate, target: OpeningHours?, today: LocalDate, firstData: LocalDate?,
        rows: [HourCount], calendar: OpeningCalendar, minimumCount: Int, weeks: Int = 4
    ) {
        self.question = question
        var before = AnswerTally(question: question)
        var after = AnswerTally(question: question)
        switch Self.periods(actionDate: actionDate, today: today, firstData: firstData, weeks: weeks) {
        case .failure(let status):
            self.status = status
            self.before = nil
            self.after = nil
        case .success(let periods):
            self.status = .compared
            self.before = periods.before
            self.after = periods.after
            for row in rows where row.count > 0 && (1...question.maximumScore).contains(row.score) {
                guard calendar.isOpen(date: row.date, hour: row.hour),
                    target?.isOpen(weekday: row.date.weekday, hour: row.hour) ?? true
                else { continue }
                if periods.after.contains(row.date) {
                    after.add(score: row.score, count: row.count)
                } else if periods.before.contains(row.date) {
                    before.add(score: row.score, count: row.count)
                }
            }
        }
        self.beforeTally = before
        self.afterTally = after
        self.comparison = PeriodComparison(current: after, previous: before, minimumCount: minimumCount)
    }
}
