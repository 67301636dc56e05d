import SmileyCore
import Testing

@Suite struct AlertRuleTests {
    let now: Int64 = 1_795_000_000_000

    func answers(_ scores: [Int], minutesAgo: [Double]) -> [TimedAnswer] {
        zip(scores, minutesAgo).map { TimedAnswer(millis: now - Int64($1 * 60_000), score: $0) }
    }

    @Test func halfUnhappyInFifteenMinutesIsADip() throws {
        let rule = DipRule()
        let evidence = try #require(
            rule.evaluate(
                question: .satisfaction, answers: answers([1, 2, 3, 4], minutesAgo: [14, 10, 5, 1]), nowMillis: now))
        #expect(evidence.answers == 4 && evidence.negative == 2)
        #expect(evidence.firstPressMillis == now - 14 * 60_000 && evidence.lastPressMillis == now - 60_000)
        #expect(evidence.summary == "2 of 4 satisfaction answers were unhappy in 15 minutes")
    }

    @Test func tooFewAnswersOrOlderOnesMakeNoDip() {
        let rule = DipRule()
        // Three answers, all unhappy: not enough answers, no alert.
        #expect(
            rule.evaluate(question: .satisfaction, answers: answers([1, 1, 2], minutesAgo: [3, 2, 1]), nowMillis: now)
                == nil)
        // The fourth answer is exactly 15 minutes old: outside the window.
        #expect(
            rule.evaluate(
                question: .satisfaction, answers: answers([1, 1, 2, 1], minutesAgo: [15, 3, 2, 1]), nowMillis: now)
                == nil)
        // One unhappy of four: 25% < 50%.
        #expect(
            rule.evaluate(
                question: .satisfaction, answers: answers([1, 3, 4, 4], minutesAgo: [4, 3, 2, 1]), nowMillis: now)
                == nil)
    }

    @Test func forAccessibilityOnlyHardIsNegative() {
        let rule = DipRule()
        #expect(
            rule.evaluate(
                question: .accessibility, answers: answers([1, 1, 3, 3], minutesAgo: [4, 3, 2, 1]), nowMillis: now)
                != nil)
        #expect(
            rule.evaluate(
                question: .accessibility, answers: answers([2, 2, 1, 3], minutesAgo: [4, 3, 2, 1]), nowMillis: now)
                == nil)
    }

    @Test func aDayBelowThePChartLimitsDrifts() throws {
        // Seven history days of 20 "happy" answers each: p̄ = 2/3. Today 10 "very unhappy": p = 0.
        // σ = √(0.6667 · 0.3333 / 10) = 0.14907; limits 0.6667 ± 3σ = 0.2195 ... 1 (capped).
        let history = Array(repeating: AnswerTally(question: .satisfaction, counts: [0, 0, 20, 0]), count: 7)
        let today = AnswerTally(question: .satisfaction, counts: [10, 0, 0, 0])
        let rule = DriftRule()
        let limits = try #require(rule.limits(history: history, count: 10))
        #expect(
            abs(limits.centreLine - 0.66667) < 0.00001 && abs(limits.lower - 0.21945) < 0.00001 && limits.upper == 1)
        let evidence = try #require(rule.evaluate(today: today, history: history, fromMillis: 0, toMillis: 1))
        #expect(evidence.index == 0 && evidence.answers == 10 && evidence.negative == 10)
        #expect(evidence.summary == "today's satisfaction index 0 from 10 answers is below the limits 22–100 around 67")
    }

    @Test func limitsWidenOnQuietDaysAndNeedHistory() {
        let history = Array(repeating: AnswerTally(question: .satisfaction, counts: [0, 0, 20, 0]), count: 7)
        // Two answers: σ = √(0.2222/2) = 0.3333, lower limit 0.6667 − 1 < 0 → 0: nothing is below it.
        let quiet = AnswerTally(question: .satisfaction, counts: [2, 0, 0, 0])
        #expect(DriftRule().evaluate(today: quiet, history: history, fromMillis: 0, toMillis: 1) == nil)
        // Six days of history are not enough.
        let today = AnswerTally(question: .satisfaction, counts: [10, 0, 0, 0])
        #expect(
            DriftRule().evaluate(today: today, history: Array(history.prefix(6)), fromMillis: 0, toMillis: 1) == nil)
    }

    @Test func anAlertOpensOnceUpdatesThenResolvesItself() throws {
        let first = AlertEvidence(
            answers: 4, negative: 2, fromMillis: 0, toMillis: 1, firstPressMillis: 0, lastPressMillis: 1, summary: "a")
        let worse = AlertEvidence(
            answers: 6, negative: 4, fromMillis: 0, toMillis: 2, firstPressMillis: 0, lastPressMillis: 2, summary: "b")
        guard case .open(let opened) = AlertTransition.next(current: nil, finding: first, nowMillis: 10) else {
            Issue.record("no alert opened")
            return
        }
        #expect(opened.openedMillis == 10 && opened.isOpen)
        #expect(AlertTransition.next(current: opened, finding: first, nowMillis: 20) == .nothing)  // no re-fire
        let acknowledged = AlertTransition.acknowledge(
            opened, by: "manager", comment: "second counter opened", nowMillis: 25)
        guard case .update(let updated) = AlertTransition.next(current: acknowledged, finding: worse, nowMillis: 30)
        else {
            Issue.record("evidence not updated")
            return
        }
        #expect(updated.evidence == worse && updated.comment == "second counter opened" && updated.openedMillis == 10)
        guard case .resolve(let resolved) = AlertTransition.next(current: updated, finding: nil, nowMillis: 40) else {
            Issue.record("not resolved")
            return
        }
        #expect(resolved.resolvedMillis == 40 && !resolved.isOpen)
        #expect(AlertTransition.next(current: resolved, finding: nil, nowMillis: 50) == .nothing)
        guard case .open(let again) = AlertTransition.next(current: resolved, finding: first, nowMillis: 60) else {
            Issue.record("a new occurrence did not open a new alert")
            return
        }
        #expect(again.openedMillis == 60 && again.comment == nil)
    }
}
