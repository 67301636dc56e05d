/// `GET /api/v1/centres/{centre}/heatmap?question=…&from=YYYY-MM-DD&to=YYYY-MM-DD`: one question at one centre
/// in a window of the centre's local dates, read from the hourly rollup (see docs/statistics.md).
public struct HeatmapResponse: Sendable, Hashable, Codable {
    public var centre: CentreID
    public var question: Question
    public var timeZone: String
    public var window: DateWindow
    /// Opening hours as set for the centre (nil: every hour counts as open).
    public var openingHours: String?
    /// Cells with fewer presses show their count but no index on the pages (`enough` is false).
    public var minimumCount: Int
    /// Presses in open hours in the window, and their index with its 95% interval.
    public var presses: Int
    public var index: Double?
    public var low: Double?
    public var high: Double?
    /// Presses held for hours the centre was closed: not in any cell.
    public var outsideOpeningHours: Int
    /// Presses of this centre (any question, any date) held without a trustworthy time: not in any cell.
    public var timeUncertainPresses: Int
    /// Presses per answer, worst first.
    public var answers: [AnswerCount]
    /// Every drawn weekday x hour cell (open hours only), in weekday then hour order.
    public var cells: [WindowCell]
    public var daily: [DailyPoint]
    public var previous: PreviousPeriod

    public init(
        centre: CentreID, timeZone: String, openingHours: String?, report: WindowReport, timeUncertainPresses: Int
    ) {
        let estimate = report.total.estimate
        self.centre = centre
        self.question = report.question
        self.timeZone = timeZone
        self.window = report.window
        self.openingHours = openingHours
        self.minimumCount = report.minimumCount
        self.presses = report.total.count
        self.index = estimate?.index
        self.low = estimate?.low
        self.high = estimate?.high
        self.outsideOpeningHours = report.outsideOpeningHours
        self.timeUncertainPresses = timeUncertainPresses
        self.answers = zip(report.question.answers, report.total.counts).map {
            AnswerCount(answer: $0.name, label: $0.label, count: $1)
        }
        self.cells = report.cells
        self.daily = report.daily
        let previousEstimate = report.previousTotal.estimate
        self.previous = PreviousPeriod(
            window: report.window.previous, presses: report.previousTotal.count, index: previousEstimate?.index,
            low: previousEstimate?.low, high: previousEstimate?.high, change: report.comparison.change,
            z: report.comparison.z, verdict: report.comparison.verdict)
    }
}

extension HeatmapResponse {
    /// The window's index with its interval, nil without presses.
    public var estimate: IndexEstimate? {
        guard let index, let low, let high else { return nil }
        return IndexEstimate(count: presses, index: index, low: low, high: high)
    }
}

public struct AnswerCount: Sendable, Hashable, Codable {
    public var answer: String
    public var label: String
    public var count: Int
}

/// The window before, of the same length and on the same weekdays, and how the index changed against it.
public struct PreviousPeriod: Sendable, Hashable, Codable {
    public var window: DateWindow
    public var presses: Int
    public var index: Double?
    public var low: Double?
    public var high: Double?
    /// Index now minus index then, in points.
    public var change: Double?
    /// Welch's z statistic of the change (see docs/statistics.md).
    public var z: Double?
    public var verdict: PeriodComparison.Verdict
}
