/// What an alert is about.
public enum AlertKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Many unhappy answers within minutes: something is going wrong right now.
    case dip
    /// The day's index outside the control limits of the centre's own history.
    case drift
    /// Heartbeats arrive but no press for hours of opening time: a button or wiring fault.
    case silentDevice = "silent-device"
    /// No heartbeat for three intervals while the centre is open.
    case deviceOffline = "device-offline"
    case stuckLine = "stuck-line"
    case storageWarning = "storage-warning"
    /// The device's clock has not been synchronised for a day.
    case clockUnsynchronised = "clock-unsynchronised"
}

/// One answer as the rules see it: when, and how good (1 = worst).
public struct TimedAnswer: Sendable, Hashable {
    public var millis: Int64
    public var score: Int

    public init(millis: Int64, score: Int) {
        self.millis = millis
        self.score = score
    }
}

/// The numbers behind an alert, shown with it and sent with its notifications.
public struct AlertEvidence: Sendable, Hashable, Codable {
    /// Answers the rule looked at, and how many of them were negative (dip) or the day's count (drift).
    public var answers: Int
    public var negative: Int
    /// The window the rule looked at, in milliseconds since 1970.
    public var fromMillis: Int64
    public var toMillis: Int64
    /// The first and last press inside it.
    public var firstPressMillis: Int64?
    public var lastPressMillis: Int64?
    /// Drift: the day's index, the centre line and the control limits (0...100).
    public var index: Double?
    public var centreLine: Double?
    public var lowerLimit: Double?
    public var upperLimit: Double?
    /// A sentence a manager reads.
    public var summary: String

    public init(
        answers: Int, negative: Int, fromMillis: Int64, toMillis: Int64, firstPressMillis: Int64?,
        lastPressMillis: Int64?, index: Double? = nil, centreLine: Double? = nil, lowerLimit: Double? = nil,
        upperLimit: Double? = nil, summary: String
    ) {
        self.answers = answers
        self.negative = negative
        self.fromMillis = fromMillis
        self.toMillis = toMillis
        self.firstPressMillis = firstPressMillis
        self.lastPressMillis = lastPressMillis
        self.index = index
        self.centreLine = centreLine
        self.lowerLimit = lowerLimit
        self.upperLimit = upperLimit
        self.summary = summary
    }
}

/// *Dip*: at least `negativeShare` of the answers to a question in the last `windowMinutes` are negative
/// (the two unhappy faces of satisfaction, "hard" for accessibility), with at least `minimumAnswers` answers.
public struct DipRule: Sendable, Hashable, Codable {
    public var windowMinutes: Int
    public var negativeShare: Double
    public var minimumAnswers: Int

    public init(windowMinutes: Int = 15, negativeShare: Double = 0.5, minimumAnswers: Int = 4) {
        self.windowMinutes = windowMinutes
        self.negativeShare = negativeShare
        self.minimumAnswers = minimumAnswers
    }

    /// Scores that count as negative: the lower half of the faces, rounded down (1-2 of 4, 1 of 3).
    public static func isNegative(score: Int, of question: Question) -> Bool {
        score <= question.maximumScore / 2
    }

    /// The evidence when the condition holds at `nowMillis`, nil when it does not.
    public func evaluate(question: Question, answers: [TimedAnswer], nowMillis: Int64) -> AlertEvidence? {
        let from = nowMillis - Int64(windowMinutes) * 60_000
        let recent = answers.filter { $0.millis > from && $0.millis <= nowMillis }
        let negative = recent.filter { Self.isNegative(score: $0.score, of: question) }.count
        guard recent.count >= minimumAnswers, Double(negative) >= negativeShare * Double(recent.count) else {
            return nil
        }
        let label = question == .satisfaction ? "unhappy" : "hard"
        return AlertEvidence(
            answers: recent.count, negative: negative, fromMillis: from, toMillis: nowMillis,
            firstPressMillis: recent.map(\.millis).min(), lastPressMillis: recent.map(\.millis).max(),
            summary:
                "\(negative) of \(recent.count) \(question.rawValue) answers were \(label) in \(windowMinutes) minutes")
    }
}

/// *Drift*: a p-chart with variable sample size (D. C. Montgomery, *Introduction to Statistical Quality
/// Control*, ch. 7) on the daily index. The centre line p̄ is the mean answer (0...1) over the history days;
/// the limits for a day with n answers are p̄ ± k·√(p̄(1 − p̄)/n), so they widen on quiet days. p(1 − p) bounds
/// the variance of an answer on the 0...1 scale (as for the Wilson interval, docs/statistics.md).
public struct DriftRule: Sendable, Hashable, Codable {
    /// Days of history the centre line is computed from (days without answers are skipped).
    public var historyDays: Int
    /// Fewest history days with answers before the rule says anything.
    public var minimumHistoryDays: Int
    /// Width of the limits in standard errors.
    public var sigmas: Double

    public init(historyDays: Int = 28, minimumHistoryDays: Int = 7, sigmas: Double = 3) {
        self.historyDays = historyDays
        self.minimumHistoryDays = minimumHistoryDays
        self.sigmas = sigmas
    }

    public struct Limits: Sendable, Hashable {
        public var centreLine: Double
        public var lower: Double
        public var upper: Double
    }

    /// The control limits for a day of `count` answers, from history tallies (nil: not enough history).
    public func limits(history: [AnswerTally], count: Int) -> Limits? {
        let days = history.filter { $0.count > 0 }
        guard days.count >= minimumHistoryDays, count > 0 else { return nil }
        let total = days.reduce(0) { $0 + $1.count }
        let sum = days.reduce(0.0) { $0 + ($1.unitMean ?? 0) * Double($1.count) }
        let p = sum / Double(total)
        let sigma = (p * (1 - p) / Double(count)).squareRoot()
        return Limits(centreLine: p, lower: max(0, p - sigmas * sigma), upper: min(1, p + sigmas * sigma))
    }

    /// The evidence when `today` lies outside the limits, nil otherwise.
    public func evaluate(today: AnswerTally, history: [AnswerTally], fromMillis: Int64, toMillis: Int64)
        -> AlertEvidence?
    {
        guard let mean = today.unitMean, let limits = limits(history: history, count: today.count),
            mean < limits.lower || mean > limits.upper
        else { return nil }
        let direction = mean < limits.lower ? "below" : "above"
        return AlertEvidence(
            answers: today.count, negative: today.counts.prefix(today.question.maximumScore / 2).reduce(0, +),
            fromMillis: fromMillis, toMillis: toMillis, firstPressMillis: nil, lastPressMillis: nil,
            index: mean * 100, centreLine: limits.centreLine * 100, lowerLimit: limits.lower * 100,
            upperLimit: limits.upper * 100,
            summary:
                "today's \(today.question.rawValue) index \(Int((mean * 100).rounded())) from \(today.count) answers is \(direction) the limits \(Int((limits.lower * 100).rounded()))–\(Int((limits.upper * 100).rounded())) around \(Int((limits.centreLine * 100).rounded()))"
        )
    }
}
