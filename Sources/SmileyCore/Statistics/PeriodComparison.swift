/// How one period's index compares with the period before, and whether the change is more than noise.
///
/// The test is the large-sample two-sample z-test for a difference of means with each period's own
/// variance (Welch's statistic with the normal distribution): z = (m1 - m0) / sqrt(s1²/n1 + s0²/n0) on the
/// 0...1 scale of the index; the change is called real when |z| >= 1.96 (two-sided, 5%) and both periods
/// have at least the minimum number of presses. Worked numbers: docs/statistics.md.
public struct PeriodComparison: Sendable, Hashable, Codable {
    public enum Verdict: String, Sendable, Hashable, Codable {
        /// Both periods have enough presses and |z| >= 1.96: the index went up.
        case better
        /// Both periods have enough presses and |z| >= 1.96: the index went down.
        case worse
        /// Both periods have enough presses and the change is within noise.
        case noClearChange = "no-clear-change"
        /// One of the periods has fewer presses than the minimum.
        case tooFewPresses = "too-few-presses"
    }

    /// Index now minus index before, in index points (nil when either period has no presses).
    public let change: Double?
    /// The test statistic (nil when it cannot be computed).
    public let z: Double?
    public let verdict: Verdict

    public init(current: AnswerTally, previous: AnswerTally, minimumCount: Int) {
        guard let m1 = current.unitMean, let m0 = previous.unitMean else {
            self.change = nil
            self.z = nil
            self.verdict = .tooFewPresses
            return
        }
        self.change = (m1 - m0) * 100
        let n1 = current.count
        let n0 = previous.count
        guard n1 >= max(2, minimumCount), n0 >= max(2, minimumCount), let v1 = current.unitVariance,
            let v0 = previous.unitVariance
        else {
            self.z = nil
            self.verdict = .tooFewPresses
            return
        }
        let standardError = (v1 / Double(n1) + v0 / Double(n0)).squareRoot()
        let z: Double
        if standardError > 0 {
            z = (m1 - m0) / standardError
        } else {
            // Every answer the same in both periods: any difference is certain, none is none.
            z = m1 == m0 ? 0 : (m1 > m0 ? .infinity : -.infinity)
        }
        self.z = z.isFinite ? z : nil
        if abs(z) >= IndexEstimate.z95 {
            self.verdict = m1 > m0 ? .better : .worse
        } else {
            self.verdict = .noClearChange
        }
    }
}

/// Ranks groups of presses (centres) by an index pulled toward the overall mean in proportion to how few
/// presses each has: shrunk = (n × index + k × overall) / (n + k), the Bayesian average with a prior worth
/// `k` presses. A centre with 6 presses cannot outrank one with 600 on luck alone. docs/statistics.md.
public struct ShrunkIndex: Sendable, Hashable {
    /// The prior's weight in presses.
    public static let defaultPriorWeight = 20.0

    public static func shrink(index: Double, count: Int, overall: Double, priorWeight: Double = defaultPriorWeight)
        -> Double
    {
        (Double(count) * index + priorWeight * overall) / (Double(count) + priorWeight)
    }
}
