import SmileyCore
import Testing

/// Worked numbers for "Actions taken" in docs/statistics.md.
@Suite struct ActionEffectTests {
    func close(_ a: Double?, _ b: Double, _ tolerance: Double = 0.005) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance
    }

    func date(_ text: String) -> LocalDate { try! LocalDate.parse(text) }

    let calendar = OpeningCalendar(hours: try! OpeningHours.parse("Mon-Fri 09:00-17:00"))
    let mondayMornings = try! OpeningHours.parse("Mon 09:00-12:00")

    /// `unhappy` very unhappy and `happy` very happy answers on `day` at `hour`.
    func rows(_ day: String, hour: Int, veryUnhappy: Int, veryHappy: Int) -> [HourCount] {
        [
            HourCount(date: date(day), hour: hour, score: 1, count: veryUnhappy),
            HourCount(date: date(day), hour: hour, score: 4, count: veryHappy),
        ]
    }

    @Test func fourWeeksBeforeAndAfterOnTheSameWeekdays() throws {
        // 2026-11-02 is a Monday; four whole weeks of data lie before it and five after it.
        #expect(date("2026-11-02").weekday == 1)
        let periods = try ActionEffect.periods(
            actionDate: date("2026-11-02"), today: date("2026-12-07"), firstData: date("2026-10-01"), weeks: 4
        ).get()
        #expect(periods.after.from == date("2026-11-02") && periods.after.to == date("2026-11-29"))
        #expect(periods.before.from == date("2026-10-05") && periods.before.to == date("2026-11-01"))
    }

    @Test func theAfterPeriodStopsYesterdayAndTheBeforePeriodKeepsItsWeekdays() throws {
        // Three whole days since a Monday action: Mon-Wed after, the Mon-Wed a week earlier before.
        let periods = try ActionEffect.periods(
            actionDate: date("2026-11-02"), today: date("2026-11-05"), firstData: date("2026-09-01"), weeks: 4
        ).get()
        #expect(periods.after.from == date("2026-11-02") && periods.after.to == date("2026-11-04"))
        #expect(periods.before.from == date("2026-10-26") && periods.before.to == date("2026-10-28"))
    }

    @Test func tenDaysOfDataBeforeMakeOneWholeWeek() throws {
        let periods = try ActionEffect.periods(
            actionDate: date("2026-11-02"), today: date("2026-12-31"), firstData: date("2026-10-23"), weeks: 4
        ).get()
        #expect(periods.after.dayCount == 7 && periods.before.from == date("2026-10-26"))
    }

    @Test func noWholeDayAfterOrNoDataBeforeIsSaidSo() {
        let today = ActionEffect.periods(
            actionDate: date("2026-11-02"), today: date("2026-11-02"), firstData: date("2026-10-01"), weeks: 4)
        #expect(throws: ActionEffect.Status.tooEarly) { try today.get() }
        let future = ActionEffect.periods(
            actionDate: date("2026-11-09"), today: date("2026-11-02"), firstData: date("2026-10-01"), weeks: 4)
        #expect(throws: ActionEffect.Status.tooEarly) { try future.get() }
        let nothing = ActionEffect.periods(
            actionDate: date("2026-11-02"), today: date("2026-11-20"), firstData: nil, weeks: 4)
        #expect(throws: ActionEffect.Status.noDataBefore) { try nothing.get() }
        let onlyAfter = ActionEffect.periods(
            actionDate: date("2026-11-02"), today: date("2026-11-20"), firstData: date("2026-11-03"), weeks: 4)
        #expect(throws: ActionEffect.Status.noDataBefore) { try onlyAfter.get() }
    }

    /// Before: 20 answers on Monday mornings, half very unhappy, half very happy: index 50, interval
    /// 29.93-70.07. After: 15 very happy, 5 very unhappy: index 75, interval 53.13-88.81.
    /// Variances 5/19 and 3.75/19, standard error 0.15174, z = 0.25 / 0.15174 = 1.648: within noise.
    @Test func twentyAnswersEachSideAreWithinNoise() {
        let rows =
            rows("2026-10-05", hour: 9, veryUnhappy: 10, veryHappy: 10)
            + rows("2026-11-09", hour: 10, veryUnhappy: 5, veryHappy: 15)
            // Outside the action's hours (Monday afternoon, Tuesday morning), outside both periods,
            // and in closed hours: none of these count.
            + rows("2026-10-05", hour: 14, veryUnhappy: 100, veryHappy: 0)
            + rows("2026-11-10", hour: 9, veryUnhappy: 100, veryHappy: 0)
            + rows("2026-09-28", hour: 9, veryUnhappy: 100, veryHappy: 0)
            + rows("2026-11-09", hour: 7, veryUnhappy: 100, veryHappy: 0)
        let effect = ActionEffect(
            question: .satisfaction, actionDate: date("2026-11-02"), target: mondayMornings, today: date("2026-12-07"),
            firstData: date("2026-09-28"), rows: rows, calendar: calendar, minimumCount: 5)
        #expect(effect.status == .compared)
        #expect(effect.beforeTally.count == 20 && effect.afterTally.count == 20)
        #expect(close(effect.beforeEstimate?.index, 50) && close(effect.beforeEstimate?.low, 29.930))
        #expect(close(effect.beforeEstimate?.high, 70.070))
        #expect(close(effect.afterEstimate?.index, 75) && close(effect.afterEstimate?.low, 53.130))
        #expect(close(effect.afterEstimate?.high, 88.814))
        #expect(close(effect.comparison.change, 25) && close(effect.comparison.z, 1.648))
        #expect(effect.comparison.verdict == .noClearChange)
    }

    /// Twice the answers: variances 10/39 and 7.5/39, standard error 0.10592, z = 2.360: better.
    @Test func fortyAnswersEachSideShowARealImprovement() {
        let rows =
            rows("2026-10-05", hour: 9, veryUnhappy: 10, veryHappy: 10)
            + rows("2026-10-26", hour: 11, veryUnhappy: 10, veryHappy: 10)
            + rows("2026-11-09", hour: 10, veryUnhappy: 5, veryHappy: 15)
            + rows("2026-11-23", hour: 9, veryUnhappy: 5, veryHappy: 15)
        let effect = ActionEffect(
            question: .satisfaction, actionDate: date("2026-11-02"), target: mondayMornings, today: date("2026-12-07"),
            firstData: date("2026-09-28"), rows: rows, calendar: calendar, minimumCount: 5)
        #expect(close(effect.beforeEstimate?.low, 35.200) && close(effect.afterEstimate?.high, 85.813))
        #expect(close(effect.comparison.z, 2.360))
        #expect(effect.comparison.verdict == .better)
    }

    @Test func withoutATargetEveryOpenHourCountsButHolidaysDoNot() {
        let holiday = OpeningCalendar(hours: calendar.hours, holidays: [date("2026-11-10")])
        let rows =
            rows("2026-10-06", hour: 15, veryUnhappy: 3, veryHappy: 0)
            + rows("2026-11-10", hour: 15, veryUnhappy: 0, veryHappy: 50)
            + rows("2026-11-11", hour: 15, veryUnhappy: 0, veryHappy: 3)
        let effect = ActionEffect(
            question: .satisfaction, actionDate: date("2026-11-02"), target: nil, today: date("2026-12-07"),
            firstData: date("2026-10-01"), rows: rows, calendar: holiday, minimumCount: 5)
        #expect(effect.beforeTally.count == 3 && effect.afterTally.count == 3)
        #expect(close(effect.comparison.change, 100))
        #expect(effect.comparison.verdict == .tooFewPresses)
    }

    @Test func tooEarlyHasNoPeriodsAndNoEstimates() {
        let effect = ActionEffect(
            question: .accessibility, actionDate: date("2026-11-02"), target: nil, today: date("2026-11-02"),
            firstData: date("2026-10-01"), rows: rows("2026-10-05", hour: 9, veryUnhappy: 1, veryHappy: 0),
            calendar: calendar, minimumCount: 5)
        #expect(effect.status == .tooEarly && effect.before == nil && effect.after == nil)
        #expect(effect.beforeEstimate == nil && effect.comparison.verdict == .tooFewPresses)
    }
}
