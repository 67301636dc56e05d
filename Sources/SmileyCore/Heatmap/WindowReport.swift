/// Presses of one question, one answer, in one local hour of one date: a row of the hub's hourly rollup.
public struct HourCount: Sendable, Hashable {
    public var date: LocalDate
    /// 0 ... 23, local to the centre.
    public var hour: Int
    public var score: Int
    public var count: Int

    public init(date: LocalDate, hour: Int, score: Int, count: Int) {
        self.date = date
        self.hour = hour
        self.score = score
        self.count = count
    }
}

/// One weekday-hour cell of a windowed heatmap.
public struct WindowCell: Sendable, Hashable, Codable {
    /// 1 = Monday ... 7 = Sunday.
    public var weekday: Int
    /// 0 ... 23, local to the centre.
    public var hour: Int
    public var count: Int
    /// The index (0...100) and its 95% interval; nil without presses.
    public var index: Double?
    public var low: Double?
    public var high: Double?
    /// Whether the cell has at least the minimum number of presses for its index to be shown.
    public var enough: Bool

    public init(weekday: Int, hour: Int, count: Int, estimate: IndexEstimate?, enough: Bool) {
        self.weekday = weekday
        self.hour = hour
        self.count = count
        self.index = estimate?.index
        self.low = estimate?.low
        self.high = estimate?.high
        self.enough = enough
    }

    public var estimate: IndexEstimate? {
        guard let index, let low, let high else { return nil }
        return IndexEstimate(count: count, index: index, low: low, high: high)
    }
}

/// One day of the trend line.
public struct DailyPoint: Sendable, Hashable, Codable {
    public var date: LocalDate
    public var count: Int
    public var index: Double?
    public var low: Double?
    public var high: Double?
    public var enough: Bool

    public init(date: LocalDate, count: Int, estimate: IndexEstimate?, enough: Bool) {
        self.date = date
        self.count = count
        self.index = estimate?.index
        self.low = estimate?.low
        self.high = estimate?.high
        self.enough = enough
    }

    public var estimate: IndexEstimate? {
        guard let index, let low, let high else { return nil }
        return IndexEstimate(count: count, index: index, low: low, high: high)
    }
}

/// What a manager sees of one question at one centre in one window: the heatmap of open hours, the
/// answers' distribution, the daily trend, and the comparison with the window before. Pure: built from
/// rollup rows, so it is tested with plain numbers.
public struct WindowReport: Sendable, Hashable {
    public let question: Question
    public let window: DateWindow
    public let minimumCount: Int
    /// Hours of the day drawn, in order (open hours, or the hours holding presses when none are set).
    public let hours: [Int]
    /// Weekdays drawn, in order.
    public let weekdays: [Int]
    public let cells: [WindowCell]
    /// Presses in open hours, by answer.
    public let total: AnswerTally
    /// Presses stored for hours the centre was closed (outside opening hours or on holidays): not in the heatmap.
    public let outsideOpeningHours: Int
    public let daily: [DailyPoint]
    public let previousTotal: AnswerTally
    public let comparison: PeriodComparison

    /// - Parameters:
    ///   - rows: rollup rows of `question` for the window and for `window.previous` (others are ignored).
    public init(
        question: Question, window: DateWindow, rows: [HourCount], calendar: OpeningCalendar, minimumCount: Int
    ) {
        self.init(
            question: question, window: window, rows: rows, previousDays: nil, calendar: calendar,
            minimumCount: minimumCount)
    }

    /// The same report from the hour rows of the window alone and the daily rows (`DayCount`) of the
    /// window before, which is all the comparison needs of it: half the rows to read.
    /// - Parameters:
    ///   - rows: rollup rows of `question` for the window (rows of other dates are ignored).
    ///   - previousDays: daily rows of `question` for `window.previous` (others are ignored).
    public init(
        question: Question, window: DateWindow, rows: [HourCount], previousDays: [DayCount]?,
        calendar: OpeningCalendar, minimumCount: Int
    ) {
        let previous = window.previous
        var byCell: [Int: AnswerTally] = [:]
        var byDate: [LocalDate: AnswerTally] = [:]
        var total = AnswerTally(question: question)
        var previousTotal = AnswerTally(question: question)
        var outside = 0
        var hoursWithPresses: Set<Int> = []
        for row in rows {
            switch WindowTotals.place(row, question: question, window: window, previous: previous, calendar: calendar) {
            case .openInWindow:
                hoursWithPresses.insert(row.hour)
                byCell[row.date.weekday * 24 + row.hour, default: AnswerTally(question: question)].add(
                    score: row.score, count: row.count)
                byDate[row.date, default: AnswerTally(question: question)].add(score: row.score, count: row.count)
                total.add(score: row.score, count: row.count)
            case .closedInWindow: outside += row.count
            case .openBefore: if previousDays == nil { previousTotal.add(score: row.score, count: row.count) }
            case .elsewhere: break
            }
        }
        if let previousDays {
            previousTotal =
                WindowTotals(
                    question: question, window: previous, days: previousDays.filter { previous.contains($0.date) },
                    minimumCount: minimumCount
                ).total
        }
        let hours: [Int]
        let weekdays: [Int]
        if let opening = calendar.hours {
            hours = opening.openHoursOfDay
            weekdays = opening.openWeekdays
        } else if let first = hoursWithPresses.min(), let last = hoursWithPresses.max() {
            hours = Array(first...last)
            weekdays = Array(1...7)
        } else {
            hours = []
            weekdays = Array(1...7)
        }
        self.question = question
        self.window = window
        self.minimumCount = minimumCount
        self.hours = hours
        self.weekdays = weekdays
        self.cells = weekdays.flatMap { weekday in
            hours.map { hour in
                let tally = byCell[weekday * 24 + hour] ?? AnswerTally(question: question)
                return WindowCell(
                    weekday: weekday, hour: hour, count: tally.count, estimate: tally.estimate,
                    enough: tally.count >= minimumCount)
            }
        }
        self.total = total
        self.outsideOpeningHours = outside
        self.daily = window.dates.map { date in
            let tally = byDate[date] ?? AnswerTally(question: question)
            return DailyPoint(
                date: date, count: tally.count, estimate: tally.estimate, enough: tally.count >= minimumCount)
        }
        self.previousTotal = previousTotal
        self.comparison = PeriodComparison(current: total, previous: previousTotal, minimumCount: minimumCount)
    }

    public func cell(weekday: Int, hour: Int) -> WindowCell? {
        cells.first { $0.weekday == weekday && $0.hour == hour }
    }
}

/// A window's totals without its heatmap and trend: what the overview of every centre ranks and
/// compares by. Counted by the same rule as `WindowReport`, so the two always agree.
public struct WindowTotals: Sendable, Hashable {
    public let question: Question
    public let window: DateWindow
    /// Presses in open hours of the window, by answer.
    public let total: AnswerTally
    /// Presses in open hours of the window before.
    public let previousTotal: AnswerTally
    public let outsideOpeningHours: Int
    public let comparison: PeriodComparison

    /// Where a rollup row falls for a window.
    enum Place {
        case openInWindow, closedInWindow, openBefore, elsewhere
    }

    static func place(
        _ row: HourCount, question: Question, window: DateWindow, previous: DateWindow, calendar: OpeningCalendar
    ) -> Place {
        guard row.count > 0, (1...question.maximumScore).contains(row.score) else { return .elsewhere }
        if window.contains(row.date) {
            return calendar.isOpen(date: row.date, hour: row.hour) ? .openInWindow : .closedInWindow
        }
        if previous.contains(row.date), calendar.isOpen(date: row.date, hour: row.hour) { return .openBefore }
        return .elsewhere
    }

    /// - Parameters:
    ///   - rows: rollup rows of `question` for the window and for `window.previous` (others are ignored).
    public init(
        question: Question, window: DateWindow, rows: [HourCount], calendar: OpeningCalendar, minimumCount: Int
    ) {
        let previous = window.previous
        var total = AnswerTally(question: question)
        var previousTotal = AnswerTally(question: question)
        var outside = 0
        for row in rows {
            switch Self.place(row, question: question, window: window, previous: previous, calendar: calendar) {
            case .openInWindow: total.add(score: row.score, count: row.count)
            case .closedInWindow: outside += row.count
            case .openBefore: previousTotal.add(score: row.score, count: row.count)
            case .elsewhere: break
            }
        }
        self.init(
            question: question, window: window, total: total, previousTotal: previousTotal,
            outsideOpeningHours: outside, minimumCount: minimumCount)
    }

    init(
        question: Question, window: DateWindow, total: AnswerTally, previousTotal: AnswerTally,
        outsideOpeningHours: Int, minimumCount: Int
    ) {
        self.question = question
        self.window = window
        self.total = total
        self.previousTotal = previousTotal
        self.outsideOpeningHours = outsideOpeningHours
        self.comparison = PeriodComparison(current: total, previous: previousTotal, minimumCount: minimumCount)
    }

    /// The window's index with its interval, nil without presses.
    public var estimate: IndexEstimate? { total.estimate }
}
