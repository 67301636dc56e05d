import SmileyCore
import Testing

@Suite struct HeatmapTests {
    @Test func theIndexRescalesTheMeanScoreToZeroToHundred() {
        #expect(Heatmap.index(scoreSum: 4, count: 4, maximumScore: 4) == 0)
        #expect(Heatmap.index(scoreSum: 16, count: 4, maximumScore: 4) == 100)
        #expect(Heatmap.index(scoreSum: 7, count: 2, maximumScore: 4) == 83)
        #expect(Heatmap.index(scoreSum: 2, count: 1, maximumScore: 3) == 50)
    }

    @Test func talliesOfOneSlotMergeAndEmptySlotsAreLeftOut() {
        let heatmap = Heatmap(
            question: .satisfaction,
            tallies: [
                HourTally(weekday: 2, hour: 9, count: 1, scoreSum: 4),
                HourTally(weekday: 1, hour: 10, count: 2, scoreSum: 2),
                HourTally(weekday: 2, hour: 9, count: 1, scoreSum: 1),
                HourTally(weekday: 3, hour: 9, count: 0, scoreSum: 0),
            ])
        #expect(
            heatmap.cells == [
                HeatmapCell(weekday: 1, hour: 10, count: 2, index: 0),
                HeatmapCell(weekday: 2, hour: 9, count: 2, index: 50),
            ])
        #expect(heatmap.totalCount == 4)
    }

    @Test func questionsHaveTheirAnswersWorstFirst() {
        #expect(Question.satisfaction.answers.map(\.score) == [1, 2, 3, 4])
        #expect(Question.accessibility.answers.map(\.name) == ["hard", "so-so", "easy"])
        #expect(throws: ModelError.self) { try Answer.parse("easy", of: .satisfaction) }
    }
}

@Suite struct ProgressBarTests {
    @Test func theBarFillsWithTheFraction() {
        #expect(ProgressBar.render(done: 0, total: 10, width: 10) == "[..........]   0%  0/10 presses")
        #expect(ProgressBar.render(done: 5, total: 10, width: 10) == "[#####.....]  50%  5/10 presses")
        #expect(ProgressBar.render(done: 10, total: 10, width: 10) == "[##########] 100%  10/10 presses")
        #expect(ProgressBar.render(done: 0, total: 0, width: 4) == "[####] 100%  0/0 presses")
    }
}
