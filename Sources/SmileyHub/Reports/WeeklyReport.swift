import SmileyCore

/// One centre's week, as its managers read it on Monday: presses, the index with its interval, the change
/// against the week before, the worst and best hours with enough answers, open alerts, and actions taken.
/// Pure: built from values the reader fetched, so it is tested with plain numbers.
public struct WeeklyReport: Sendable {
    public struct QuestionWeek: Sendable {
        public let question: Question
        public let presses: Int
        public let estimate: IndexEstimate?
        public let previousPresses: Int
        public let previousEstimate: IndexEstimate?
        public let comparison: PeriodComparison
        /// Weekday-hour cells with at least the minimum presses, lowest index first (at most three).
        public let worst: [WindowCell]
        /// Highest index first (at most three, never one of `worst`).
        public let best: [WindowCell]
        /// Cells that had presses but too few to rank.
        public let thinCells: Int
    }

    public let centre: Centre
    public let week: DateWindow
    public let minimumCount: Int
    public let questions: [QuestionWeek]
    public let openAlerts: [StoredAlert]
    /// Actions dated up to the week's end, latest first (at most five), judged as of the day after it.
    public let actions: [ActionReview]

    /// How many hours the report ranks at each end.
    public static let rankedHours = 3
    public static let listedActions = 5

    /// - Parameter reports: one `WindowReport` per question for `week` (its comparison is with the week before).
    public init(
        centre: Centre, week: DateWindow, reports: [WindowReport], alerts: [StoredAlert], actions: [ActionReview],
        minimumCount: Int
    ) {
        self.centre = centre
        self.week = week
        self.minimumCount = minimumCount
        self.questions = reports.map { report in
            let ranked = report.cells.filter { $0.enough && $0.index != nil }.sorted {
                ($0.index!, -$0.count, $0.weekday, $0.hour) < ($1.index!, -$1.count, $1.weekday, $1.hour)
            }
            let k = min(Self.rankedHours, ranked.count / 2)
            return QuestionWeek(
                question: report.question, presses: report.total.count, estimate: report.total.estimate,
                previousPresses: report.previousTotal.count, previousEstimate: report.previousTotal.estimate,
                comparison: report.comparison, worst: Array(ranked.prefix(k)),
                best: Array(ranked.suffix(k).reversed()),
                thinCells: report.cells.filter { $0.count > 0 && !$0.enough }.count)
        }
        self.openAlerts = alerts.filter(\.state.isOpen)
        self.actions = Array(actions.filter { $0.action.date <= week.to }.reversed().prefix(Self.listedActions))
    }
}
