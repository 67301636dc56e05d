/// The count and summed score of the presses of one answer in one weekday-hour slot.
public struct HourTally: Sendable, Hashable {
    public var weekday: Int
    public var hour: Int
    public var count: Int
    public var scoreSum: Int

    public init(weekday: Int, hour: Int, count: Int, scoreSum: Int) {
        self.weekday = weekday
        self.hour = hour
        self.count = count
        self.scoreSum = scoreSum
    }
}

/// One cell of an hour-of-day x weekday heatmap.
public struct HeatmapCell: Sendable, Hashable, Codable {
    /// 1 = Monday ... 7 = Sunday.
    public var weekday: Int
    /// 0 ... 23, local to the centre.
    public var hour: Int
    /// Counted presses (suppressed and time-uncertain presses are not counted).
    public var count: Int
    /// Mean score rescaled to 0 (every answer the worst) ... 100 (every answer the best).
    public var index: Int

    public init(weekday: Int, hour: Int, count: Int, index: Int) {
        self.weekday = weekday
        self.hour = hour
        self.count = count
        self.index = index
    }
}

/// The heatmap of one question: only cells with at least one press, ordered by weekday then hour.
public struct Heatmap: Sendable, Hashable {
    public let question: Question
    public let cells: [HeatmapCell]

    public init(question: Question, tallies: [HourTally]) {
        var merged: [Int: HourTally] = [:]
        for tally in tallies where tally.count > 0 {
            let key = tally.weekday * 24 + tally.hour
            merged[key, default: HourTally(weekday: tally.weekday, hour: tally.hour, count: 0, scoreSum: 0)].count +=
                tally.count
            merged[key]!.scoreSum += tally.scoreSum
        }
        self.question = question
        self.cells = merged.keys.sorted().map { key in
            let tally = merged[key]!
            return HeatmapCell(
                weekday: tally.weekday, hour: tally.hour, count: tally.count,
                index: Self.index(scoreSum: tally.scoreSum, count: tally.count, maximumScore: question.maximumScore))
        }
    }

    /// Mean score rescaled to 0...100, rounded to the nearest whole number.
    public static func index(scoreSum: Int, count: Int, maximumScore: Int) -> Int {
        precondition(count > 0 && maximumScore > 1)
        let mean = Double(scoreSum) / Double(count)
        return Int(((mean - 1) / Double(maximumScore - 1) * 100).rounded())
    }

    public var totalCount: Int { cells.reduce(0) { $0 + $1.count } }

    public func cell(weekday: Int, hour: Int) -> HeatmapCell? {
        cells.first { $0.weekday == weekday && $0.hour == hour }
    }
}
