import SmileyCore
import Testing

/// Worked numbers: docs/statistics.md shows each step.
@Suite struct StatisticsTests {
    func close(_ a: Double, _ b: Double, _ tolerance: Double = 0.005) -> Bool { abs(a - b) <= tolerance }

    @Test func wilsonIntervalOfTenPresses() {
        // 10 satisfaction answers with mean score 3 (of 1...4): p = 2/3, z = 1.96.
        let estimate = IndexEstimate(count: 10, scoreSum: 30, maximumScore: 4)
        #expect(close(estimate.index, 66.667))
        #expect(close(estimate.low, 36.780))
        #expect(close(estimate.high, 87.302))
        #expect(estimate.rounded == 67)
    }

    @Test func theIntervalNarrowsWithPressesAndNeverLeavesTheScale() {
        let many = IndexEstimate(count: 600, scoreSum: 1_800, maximumScore: 4)
        #expect(close(many.low, 62.799) && close(many.high, 70.322))
        // Four answers all "very happy": the interval does not collapse to 100.
        let unanimous = IndexEstimate(count: 4, scoreSum: 16, maximumScore: 4)
        #expect(close(unanimous.index, 100) && close(unanimous.low, 51.011) && unanimous.high == 100)
        let one = IndexEstimate(count: 1, scoreSum: 1, maximumScore: 4)
        #expect(one.low == 0 && close(one.high, 79.345))
    }

    @Test func theIntervalAlwaysHoldsTheIndexEvenAtTheEnds() {
        for count in 1...500 {
            for maximumScore in [3, 4] {
                let worst = IndexEstimate(count: count, scoreSum: count, maximumScore: maximumScore)
                #expect(worst.low == 0 && worst.index == 0 && worst.high > 0, "\(count) worst answers")
                let best = IndexEstimate(count: count, scoreSum: count * maximumScore, maximumScore: maximumScore)
                #expect(best.high == 100 && best.index == 100 && best.low < 100, "\(count) best answers")
                let middle = IndexEstimate(count: count, scoreSum: count * 2, maximumScore: maximumScore)
                #expect(middle.low <= middle.index && middle.index <= middle.high)
            }
        }
    }

    @Test func aClearImprovementIsCalledBetter() {
        // Before: 8 very unhappy, 6 unhappy, 4 happy, 2 very happy; now: 2, 3, 10, 5.
        let now = AnswerTally(question: .satisfaction, counts: [2, 3, 10, 5])
        let before = AnswerTally(question: .satisfaction, counts: [8, 6, 4, 2])
        #expect(close(now.unitMean!, 0.63333, 0.00001) && close(now.unitVariance!, 0.092398, 0.000001))
        #expect(close(before.unitVariance!, 0.116959, 0.000001))
        let comparison = PeriodComparison(current: now, previous: before, minimumCount: 5)
        #expect(close(comparison.change!, 30.0))
        #expect(close(comparison.z!, 2.932, 0.001))
        #expect(comparison.verdict == .better)
        #expect(PeriodComparison(current: before, previous: now, minimumCount: 5).verdict == .worse)
    }

    @Test func aSmallWobbleIsNoise() {
        let now = AnswerTally(question: .satisfaction, counts: [5, 5, 5, 5])
        let before = AnswerTally(question: .satisfaction, counts: [4, 6, 5, 5])
        let comparison = PeriodComparison(current: now, previous: before, minimumCount: 5)
        #expect(close(comparison.change!, -1.667))
        #expect(close(comparison.z!, -0.1408, 0.0001))
        #expect(comparison.verdict == .noClearChange)
    }

    @Test func tooFewPressesAreNotJudged() {
        let now = AnswerTally(question: .accessibility, counts: [0, 0, 4])
        let before = AnswerTally(question: .accessibility, counts: [4, 0, 0])
        let comparison = PeriodComparison(current: now, previous: before, minimumCount: 5)
        #expect(comparison.verdict == .tooFewPresses && close(comparison.change!, 100))
        #expect(PeriodComparison(current: now, previous: before, minimumCount: 4).verdict == .better)
        let empty = AnswerTally(question: .accessibility)
        #expect(PeriodComparison(current: now, previous: empty, minimumCount: 1).change == nil)
    }

    @Test func shrinkageRanksManyPressesAboveLuckyFew() {
        // Overall mean 70; 6 presses at 100 against 600 at 80, with a prior worth 20 presses.
        let few = ShrunkIndex.shrink(index: 100, count: 6, overall: 70)
        let many = ShrunkIndex.shrink(index: 80, count: 600, overall: 70)
        #expect(close(few, 76.923) && close(many, 79.677))
        #expect(many > few)
        #expect(ShrunkIndex.shrink(index: 40, count: 0, overall: 70) == 70)
    }
}
