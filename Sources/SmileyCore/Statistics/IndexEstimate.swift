/// An index from 0 (every answer the worst) to 100 (every answer the best) with its 95% interval.
///
/// The index is the mean answer rescaled to 0...1, times 100. Its interval is Wilson's score interval
/// (E. B. Wilson, "Probable inference, the law of succession, and statistical inference", JASA 22, 1927)
/// applied to that mean: for a variable bounded in 0...1 with mean p the variance is at most p(1 - p)
/// (Bhatia and Davis, 2000), so the interval is the Wilson interval of a proportion and is never narrower
/// than the data allow. It stays inside 0...100 and does not collapse to a point when every answer
/// agrees. Formulas and worked numbers: docs/statistics.md.
public struct IndexEstimate: Sendable, Hashable, Codable {
    /// Presses the estimate rests on.
    public let count: Int
    /// 0...100, not rounded.
    public let index: Double
    /// The 95% interval, 0...100.
    public let low: Double
    public let high: Double

    /// The normal quantile of a two-sided 95% interval.
    public static let z95 = 1.959_963_984_540_054

    public init(count: Int, scoreSum: Int, maximumScore: Int, z: Double = IndexEstimate.z95) {
        precondition(count > 0 && maximumScore > 1 && scoreSum >= count && scoreSum <= count * maximumScore)
        let n = Double(count)
        let p = Double(scoreSum - count) / (n * Double(maximumScore - 1))
        let z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        self.count = count
        self.index = p * 100
        // Exactly, low <= p <= high, with low = 0 at p = 0 and high = 1 at p = 1; rounding must not break that.
        self.low = min(max(0, centre - half), p) * 100
        self.high = max(min(1, centre + half), p) * 100
    }

    public init(count: Int, index: Double, low: Double, high: Double) {
        self.count = count
        self.index = index
        self.low = low
        self.high = high
    }

    /// The index rounded to a whole number, as the pages show it.
    public var rounded: Int { Int(index.rounded()) }
}
