import Mustache
import SmileyCore

/// A weekly report ready to send: its subject, an HTML body (inline styles, no external resources) and a
/// plain-text body. Sending is the mail transport's business; this is only the content.
public struct WeeklyReportMail: Sendable, Equatable {
    public let subject: String
    public let html: String
    public let text: String

    /// Renders the report with the hub's templates.
    public init(_ report: WeeklyReport) throws {
        let view = WeeklyReportView(report)
        let library = try ReportTemplates.library()
        guard let html = library.render(view, withTemplate: "weekly-html"),
            let text = library.render(view, withTemplate: "weekly-text")
        else { throw HubError.invalid("the weekly report templates did not render") }
        self.subject = view.subject
        self.html = html
        self.text = text
    }
}

/// The report as plain strings for its templates. Nested names are unique (Mustache looks a missing
/// value up in the enclosing contexts).
struct WeeklyReportView: Sendable {
    struct HourLine: Sendable {
        let slot: String
        let hourIndex: String
        let hourPresses: String
    }

    struct QuestionLine: Sendable {
        let questionName: String
        let pressesText: String
        let indexLine: String
        let changeLine: String
        let changeColour: String
        let worstHours: [HourLine]
        let bestHours: [HourLine]
        let hasRanked: Bool
        let rankNote: String
    }

    struct AlertLine: Sendable {
        let alertLabel: String
        let alertSummary: String
    }

    struct ActionLine: Sendable {
        let actionWhen: String
        let actionWhat: String
        let actionResults: [String]
    }

    let subject: String
    let heading: String
    let centreName: String
    let weekText: String
    let questions: [QuestionLine]
    let alerts: [AlertLine]
    let hasAlerts: Bool
    let actions: [ActionLine]
    let hasActions: Bool
    let footer: String

    init(_ report: WeeklyReport) {
        let week = "\(report.week.from) to \(report.week.to)"
        subject = "Smiley weekly report: \(report.centre.name), \(week)"
        heading = "Weekly report: \(report.centre.name)"
        centreName = report.centre.name
        weekText = "Week \(week) (\(report.centre.id), local time \(report.centre.timeZone))"
        questions = report.questions.map { Self.questionLine($0, minimum: report.minimumCount) }
        alerts = report.openAlerts.map {
            AlertLine(
                alertLabel: CentrePage.alertRow($0, nowMillis: $0.state.openedMillis).label,
                alertSummary: "\($0.subject): \($0.state.evidence.summary)")
        }
        hasAlerts = !alerts.isEmpty
        actions = report.actions.map { review in
            ActionLine(
                actionWhen: review.action.date.description, actionWhat: review.action.text,
                actionResults: review.effects.map { effect in
                    let row = CentrePage.effectRow(effect)
                    return "\(row.effectQuestion): \(row.effectText) Before \(row.beforeText); after \(row.afterText)."
                })
        }
        hasActions = !actions.isEmpty
        footer =
            "The index runs from 0 (every answer the worst face) to 100 (every answer the best), shown with its 95% interval. "
            + "A change is called more than noise when a two-sample z-test gives |z| ≥ 1.96 and both weeks have at least "
            + "\(report.minimumCount) presses."
    }

    static func questionLine(_ week: WeeklyReport.QuestionWeek, minimum: Int) -> QuestionLine {
        let name = week.question == .satisfaction ? "Satisfaction" : "Accessibility"
        let index =
            week.estimate.map {
                "Index \(Formatting.index($0.index)) (95% interval \(Formatting.interval($0)))"
            } ?? "No index: no presses"
        let previous =
            week.previousEstimate.map {
                "index \(Formatting.index($0.index)), \(Formatting.presses(week.previousPresses))"
            }
            ?? "no presses"
        let change: String
        let colour: String
        if let moved = week.comparison.change {
            let points = "\(Formatting.signed(moved)) points on the week before (\(previous))"
            switch week.comparison.verdict {
            case .better: (change, colour) = ("\(points): better, more than noise.", "#1b5e20")
            case .worse: (change, colour) = ("\(points): worse, more than noise.", "#9b1c1c")
            case .noClearChange: (change, colour) = ("\(points): within noise.", "#333333")
            case .tooFewPresses: (change, colour) = ("\(points): too few presses to tell.", "#333333")
            }
        } else {
            (change, colour) = ("Nothing to compare with the week before (\(previous)).", "#333333")
        }
        func line(_ cell: WindowCell) -> HourLine {
            HourLine(
                slot: "\(Formatting.weekdayLongNames[cell.weekday - 1]) \(Formatting.hour(cell.hour))",
                hourIndex: cell.index.map(Formatting.index) ?? "", hourPresses: Formatting.presses(cell.count))
        }
        let ranked = !week.worst.isEmpty
        return QuestionLine(
            questionName: name, pressesText: Formatting.presses(week.presses), indexLine: index, changeLine: change,
            changeColour: colour, worstHours: week.worst.map(line), bestHours: week.best.map(line), hasRanked: ranked,
            rankNote: ranked
                ? "Hours with at least \(minimum) presses."
                : "Too few hours with at least \(minimum) presses to name the worst and best.")
    }
}
