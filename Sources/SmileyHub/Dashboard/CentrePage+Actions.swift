import SmileyCore

extension CentrePage {
    struct EffectRow: Sendable {
        let effectQuestion: String
        let beforeText: String
        let afterText: String
        let effectText: String
        let effectVerdict: String
    }

    struct ActionRow: Sendable {
        let actionID: Int64
        let actionDate: String
        let actionText: String
        let actionHours: String
        let recordedBy: String
        let effects: [EffectRow]
        let removeHref: String
    }

    /// The form that records an action, shown to those who may manage the centre.
    struct ActionForm: Sendable {
        let formCSRF: String
        let formToday: String
        let formAction: String
    }

    static func actionRow(_ review: ActionReview, centre: CentreID) -> ActionRow {
        let action = review.action
        return ActionRow(
            actionID: action.id, actionDate: action.date.description, actionText: action.text,
            actionHours: action.target.map { "Hours compared: \($0.description)" } ?? "Hours compared: all open hours",
            recordedBy: action.recordedBy, effects: review.effects.map(effectRow),
            removeHref: "/centres/\(centre)/actions/\(action.id)/remove")
    }

    static func period(_ window: DateWindow?, _ estimate: IndexEstimate?, presses: Int) -> String {
        guard let window else { return "–" }
        let figures =
            estimate.map { "index \(Formatting.index($0.index)) (95% interval \(Formatting.interval($0)))" }
            ?? "no index"
        return "\(window): \(figures), \(Formatting.presses(presses))"
    }

    static func effectRow(_ effect: ActionEffect) -> EffectRow {
        let name = effect.question == .satisfaction ? "Satisfaction" : "Accessibility"
        let text: String
        switch effect.status {
        case .tooEarly: text = "Too early: no whole day after the action yet."
        case .noDataBefore: text = "No presses from before the action to compare with."
        case .compared:
            if let change = effect.comparison.change {
                let move = Formatting.signed(change) + " points"
                switch effect.comparison.verdict {
                case .better: text = "\(move): more than noise (better)."
                case .worse: text = "\(move): more than noise (worse)."
                case .noClearChange: text = "\(move): within noise."
                case .tooFewPresses: text = "\(move): too few presses to tell."
                }
            } else {
                text = "No presses in one of the periods."
            }
        }
        return EffectRow(
            effectQuestion: name,
            beforeText: period(effect.before, effect.beforeEstimate, presses: effect.beforeTally.count),
            afterText: period(effect.after, effect.afterEstimate, presses: effect.afterTally.count),
            effectText: text,
            effectVerdict: effect.status == .compared ? effect.comparison.verdict.rawValue : effect.status.rawValue)
    }
}
