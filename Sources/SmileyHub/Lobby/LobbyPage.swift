import SmileyCore

/// The public results of one centre's last week, in English and Dzongkha, for the lobby screen and the
/// poster. Only what citizens may read: presses, indexes, changes and actions; no alerts, no devices.
struct LobbyPage: Sendable {
    struct Figure: Sendable {
        let nameEnglish: String
        let nameDzongkha: String
        let hasFigure: Bool
        let figureEnglish: String
        let figureDzongkha: String
        let answersEnglish: String
        let answersDzongkha: String
        let trendEnglish: String
        let trendDzongkha: String
        let trendClass: String
    }

    struct Deed: Sendable {
        let deedDateEnglish: String
        let deedDateDzongkha: String
        let deedText: String
        let deedResultEnglish: String
        let deedResultDzongkha: String
    }

    let title: String
    let centreName: String
    let weekEnglish: String
    let weekDzongkha: String
    let figures: [Figure]
    let deeds: [Deed]
    let hasDeeds: Bool
    let dz: [String: String]
    let refreshSeconds: Int
    let posterHref: String
    let fontHref = LobbyController.fontPath

    init(report: WeeklyReport, strings: LobbyStrings, refreshSeconds: Int, posterHref: String) {
        func digits(_ value: Int) -> String { LobbyStrings.tibetanDigits(String(value)) }
        func englishDay(_ date: LocalDate) -> String {
            "\(Formatting.weekdayLongNames[date.weekday - 1]) \(date.day) \(Self.months[date.month - 1]) \(date.year)"
        }
        func dzongkhaDay(_ date: LocalDate) -> String {
            "\(strings.weekdays[date.weekday - 1]) \(LobbyStrings.tibetanDigits(date.description))"
        }
        title = report.centre.name
        centreName = report.centre.name
        weekEnglish = "Last week: \(englishDay(report.week.from)) to \(englishDay(report.week.to))"
        weekDzongkha = "\(strings["lastWeek"]) \(dzongkhaDay(report.week.from)) – \(dzongkhaDay(report.week.to))"
        figures = report.questions.map { week in
            let satisfaction = week.question == .satisfaction
            let index = week.estimate?.rounded
            let (trendEnglish, trendDzongkha, trendClass): (String, String, String) =
                switch week.comparison.verdict {
                case .better: ("Better than the week before", strings["better"], "better")
                case .worse: ("Worse than the week before", strings["worse"], "worse")
                case .noClearChange: ("About the same as the week before", strings["same"], "same")
                case .tooFewPresses: ("Too few answers to compare with the week before", strings["tooFew"], "few")
                }
            return Figure(
                nameEnglish: satisfaction ? "Satisfied with the service" : "Easy to reach and use",
                nameDzongkha: strings[satisfaction ? "satisfaction" : "accessibility"], hasFigure: index != nil,
                figureEnglish: index.map { "\($0)" } ?? "–", figureDzongkha: index.map(digits) ?? "–",
                answersEnglish: index == nil
                    ? "No answers" : "out of 100, from \(week.presses == 1 ? "1 answer" : "\(week.presses) answers")",
                answersDzongkha: index == nil
                    ? strings["noAnswers"] : "\(strings["outOf100"]) \(strings["answers"]) \(digits(week.presses))",
                trendEnglish: trendEnglish, trendDzongkha: trendDzongkha, trendClass: trendClass)
        }
        deeds = report.actions.prefix(3).map { review in
            let effect = review.effects.first { $0.question == .satisfaction }
            var english = "Too early to compare."
            var dzongkha = strings["notYet"]
            if let effect, let before = effect.beforeEstimate?.rounded, let after = effect.afterEstimate?.rounded {
                let verdict =
                    effect.comparison.verdict == .better
                    ? " — better" : effect.comparison.verdict == .worse ? " — worse" : ""
                english = "Satisfaction before: \(before), after: \(after)\(verdict)"
                dzongkha =
                    "\(strings["before"]) \(digits(before)) → \(strings["after"]) \(digits(after))"
                    + (effect.comparison.verdict == .better ? " \(strings["improved"])" : "")
            }
            return Deed(
                deedDateEnglish: englishDay(review.action.date), deedDateDzongkha: dzongkhaDay(review.action.date),
                deedText: review.action.text, deedResultEnglish: english, deedResultDzongkha: dzongkha)
        }
        hasDeeds = !deeds.isEmpty
        dz = strings.strings
        self.refreshSeconds = refreshSeconds
        self.posterHref = posterHref
    }

    static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]
}
