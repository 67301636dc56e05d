/// The presses of one question counted by answer: everything the index, its interval and the
/// comparison of two periods need (see docs/statistics.md).
public struct AnswerTally: Sendable, Hashable {
    public let question: Question
    /// Presses per answer, worst first: `counts[score - 1]`.
    public private(set) var counts: [Int]

    public init(question: Question, counts: [Int]? = nil) {
        self.question = question
        self.counts = counts ?? Array(repeating: 0, count: question.maximumScore)
        precondition(self.counts.count == question.maximumScore)
    }

    public mutating func add(score: Int, count: Int) {
        counts[score - 1] += count
    }

    public static func + (lhs: AnswerTally, rhs: AnswerTally) -> AnswerTally {
        precondition(lhs.question == rhs.question)
        return AnswerTally(question: lhs.question, counts: zip(lhs.counts, rhs.counts).map { $0 + $1 })
    }

    public var count: Int { counts.reduce(0, +) }

    public var scoreSum: Int { counts.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element } }

    /// Each answer's score on the 0...1 scale of the index: worst 0, best 1.
    func unitScore(_ score: Int) -> Double { Double(score - 1) / Double(question.maximumScore - 1) }

    /// Mean on the 0...1 scale, or nil without presses.
    public var unitMean: Double? {
        let n = count
        guard n > 0 else { return nil }
        return counts.enumerated().reduce(0.0) { $0 + Double($1.element) * unitScore($1.offset + 1) } / Double(n)
    }

    /// Sample variance (n - 1 in the denominator) on the 0...1 scale, or nil with fewer than two presses.
    public var unitVariance: Double? {
        let n = count
        guard n > 1, let mean = unitMean else { return nil }
        let squares = counts.enumerated().reduce(0.0) {
            let deviation = unitScore($1.offset + 1) - mean
            return $0 + Double($1.element) * deviation * deviation
        }
        return squares / Double(n - 1)
    }

    /// The index with its 95% interval, or nil without presses.
    public var estimate: IndexEstimate? {
        count > 0 ? IndexEstimate(count: count, scoreSum: scoreSum, maximumScore: question.maximumScore) : nil
    }
}
