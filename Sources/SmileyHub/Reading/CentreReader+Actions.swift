import SmileyCore

/// An action with what followed it, for each question.
public struct ActionReview: Sendable {
    public let action: CentreAction
    public let effects: [ActionEffect]
}

extension CentreReader {
    /// The weeks before and after an action its effect is judged on (docs/statistics.md).
    public static let actionWeeks = 4

    /// The centre's actions (the centre came through `centre(_:)`), each with its before and after as
    /// known on `asOf` (default today): a report on a past week judges actions by what that week knew.
    public func actionReviews(of centre: Centre, asOf: LocalDate? = nil, through last: LocalDate? = nil) async throws
        -> [ActionReview]
    {
        guard scope.allows(centre.id) else { return [] }
        let actions = try await care.actions(centre: centre.id).filter { last == nil || $0.date <= last! }
        guard !actions.isEmpty else { return [] }
        let today = min(asOf ?? today(at: centre), today(at: centre))
        let calendar = try await store.openingCalendar(centre: centre.id)
        let firstData = try await care.firstDataDate(centre: centre.id)
        let earliest = actions.map(\.date).min()!.adding(days: -7 * (Self.actionWeeks + 1))
        let latest = actions.map(\.date).max()!.adding(days: 7 * Self.actionWeeks)
        var rows: [Question: [HourCount]] = [:]
        for question in Question.allCases {
            rows[question] = try await store.hourCounts(
                centre: centre.id, question: question, from: earliest, to: latest, device: nil)
        }
        return actions.map { action in
            ActionReview(
                action: action,
                effects: Question.allCases.map { question in
                    ActionEffect(
                        question: question, actionDate: action.date, target: action.target, today: today,
                        firstData: firstData, rows: rows[question] ?? [], calendar: calendar,
                        minimumCount: settings.minimumCount, weeks: Self.actionWeeks)
                })
        }
    }
}

extension CentreReader {
    /// The weekly report of a centre for the week (Monday to Sunday) holding `day`.
    public func weeklyReport(of centre: Centre, weekOf day: LocalDate) async throws -> WeeklyReport {
        let week = DateWindow(days: 7, endingOn: day.startOfWeek.adding(days: 6))
        let calendar = try await store.openingCalendar(centre: centre.id)
        var reports: [WindowReport] = []
        for question in Question.allCases {
            reports.append(try await report(centre: centre, question: question, window: week, calendar: calendar))
        }
        return WeeklyReport(
            centre: centre, week: week, reports: reports, alerts: try await alerts(of: centre),
            actions: try await actionReviews(of: centre, asOf: week.to.adding(days: 1), through: week.to),
            minimumCount: settings.minimumCount)
    }

    /// When the centre's weekly reports fall due (after its last opening hour of each week, in its zone).
    public func weeklyReportSchedule(of centre: Centre) async throws -> WeeklyReportSchedule {
        WeeklyReportSchedule(
            calendar: try await store.openingCalendar(centre: centre.id),
            timeZone: Self.bucketer(centre.timeZone).timeZone
        )
    }
}
